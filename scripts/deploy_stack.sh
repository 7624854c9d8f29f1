#!/usr/bin/env bash
# Deploy one stage: the VPC stack, then the packaged app stack. Safe to rerun.
#
#   scripts/deploy_stack.sh STAGE [--bucket NAME] [--region REGION]
#                           [--connect-instance-arn ARN] [--assistant-id UUID]
#                           [--alarm-topic-arn ARN]
#
# Environment instead of flags: DEPLOY_BUCKET, AWS_REGION / AWS_DEFAULT_REGION,
# CONNECT_INSTANCE_ARN, QCONNECT_ASSISTANT_ID, ALARM_TOPIC_ARN.
#
# Every precondition is checked before anything is created: the aws CLI, credentials, the
# region, the artifact bucket (exists, readable, in the stack's region) and the state of an
# earlier app stack. Needs bash, the aws CLI and the project's venv; no Java, no Docker.
set -euo pipefail

die() { echo "deploy: ERROR: $*" >&2; exit 1; }
say() { echo "deploy: $*"; }

usage() {
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
stage="$1"
shift
bucket="${DEPLOY_BUCKET:-}"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
connect_instance_arn="${CONNECT_INSTANCE_ARN:-}"
assistant_id="${QCONNECT_ASSISTANT_ID:-}"
alarm_topic_arn="${ALARM_TOPIC_ARN:-}"
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || usage
    case "$1" in
        --bucket) bucket="$2" ;;
        --region) region="$2" ;;
        --connect-instance-arn) connect_instance_arn="$2" ;;
        --assistant-id) assistant_id="$2" ;;
        --alarm-topic-arn) alarm_topic_arn="$2" ;;
        *) usage ;;
    esac
    shift 2
done

[[ "$stage" =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "invalid stage '$stage' (expected e.g. dev or prod)"
[[ "$stage" != "local" ]] || die "stage 'local' is never deployed: use make dev"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vpc_stack="betterbank-vpc-$stage"
app_stack="betterbank-card-operations-$stage"

# --- preflight: nothing is created before every check has passed -----------------------------

command -v aws >/dev/null 2>&1 \
    || die "the aws CLI is not installed or not on PATH (https://aws.amazon.com/cli/); see docs/DEPLOYMENT.md"

if [[ -z "$region" ]]; then
    region="$(aws configure get region 2>/dev/null || true)"
fi
[[ -n "$region" ]] || die "no region: pass --region, or set AWS_REGION or 'aws configure set region'"
export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"

account="$(aws sts get-caller-identity --query Account --output text 2>/dev/null)" \
    || die "no usable AWS credentials (aws sts get-caller-identity failed): run 'aws configure' or 'aws sso login', or set AWS_PROFILE"
say "account $account, region $region, stage $stage"

[[ -n "$bucket" ]] || die "no artifact bucket: pass --bucket NAME or set DEPLOY_BUCKET (an S3 bucket in $region)"
aws s3api head-bucket --bucket "$bucket" >/dev/null 2>&1 \
    || die "S3 bucket '$bucket' does not exist or this identity cannot access it; create it in $region with: aws s3 mb s3://$bucket --region $region"
bucket_region="$(aws s3api get-bucket-location --bucket "$bucket" --query LocationConstraint --output text)" \
    || die "cannot read the region of S3 bucket '$bucket' (s3:GetBucketLocation denied?)"
case "$bucket_region" in
    "" | None | null) bucket_region="us-east-1" ;;  # buckets in us-east-1 report no constraint
    EU) bucket_region="eu-west-1" ;;                # legacy name of eu-west-1
esac
[[ "$bucket_region" == "$region" ]] \
    || die "S3 bucket '$bucket' is in $bucket_region but the stacks deploy to $region; CloudFormation reads Lambda code only from a bucket in its own region: use a bucket in $region or pass --region $bucket_region"

app_status="$(aws cloudformation describe-stacks --stack-name "$app_stack" \
    --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo NONE)"
case "$app_status" in
    ROLLBACK_COMPLETE | ROLLBACK_FAILED | DELETE_FAILED)
        die "stack $app_stack is in $app_status (its creation failed and cannot be updated); read why with: aws cloudformation describe-stack-events --stack-name $app_stack --query \"StackEvents[?contains(ResourceStatus,'FAILED')].[LogicalResourceId,ResourceStatusReason]\" --output table; then delete it (aws cloudformation delete-stack --stack-name $app_stack) and rerun" ;;
    *_IN_PROGRESS)
        die "stack $app_stack is busy ($app_status); wait for it to finish and rerun" ;;
esac

# --- deploy -----------------------------------------------------------------------------------

tags=(project=betterbank-card-operations "stage=$stage")

say "deploying $vpc_stack"
aws cloudformation deploy \
    --stack-name "$vpc_stack" \
    --template-file "$root/infra/vpc.yaml" \
    --parameter-overrides "Stage=$stage" \
    --tags "${tags[@]}" \
    --no-fail-on-empty-changeset

say "packaging"
"$root/scripts/package.sh" "$stage"
package_dir="$root/build/package-$stage"

say "uploading the deployment package to s3://$bucket/betterbank-card-operations/$stage/"
aws cloudformation package \
    --template-file "$package_dir/sam.json" \
    --s3-bucket "$bucket" \
    --s3-prefix "betterbank-card-operations/$stage" \
    --output-template-file "$package_dir/packaged.yaml"

# Parameters left out keep their value from the previous deployment.
overrides=()
[[ -z "$connect_instance_arn" ]] || overrides+=("ConnectInstanceArn=$connect_instance_arn")
[[ -z "$assistant_id" ]] || overrides+=("QConnectAssistantId=$assistant_id")
[[ -z "$alarm_topic_arn" ]] || overrides+=("AlarmTopicArn=$alarm_topic_arn")

say "deploying $app_stack"
deploy_args=(
    --stack-name "$app_stack"
    --template-file "$package_dir/packaged.yaml"
    --capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND
    --tags "${tags[@]}"
    --no-fail-on-empty-changeset
)
if [[ ${#overrides[@]} -gt 0 ]]; then
    deploy_args+=(--parameter-overrides "${overrides[@]}")
fi
aws cloudformation deploy "${deploy_args[@]}"

say "outputs of $app_stack"
aws cloudformation describe-stacks --stack-name "$app_stack" \
    --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table

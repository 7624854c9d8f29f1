#!/usr/bin/env bash
# Deploy one stage: the VPC stack (or an existing VPC), then the packaged app stack. Safe to rerun.
#
#   scripts/deploy_stack.sh STAGE [--bucket NAME] [--region REGION]
#                           [--subnet-ids SUBNET,SUBNET --security-group-id SG]
#                           [--connect-instance-arn ARN] [--assistant-id UUID]
#                           [--alarm-topic-arn ARN]
#
# Environment instead of flags: DEPLOY_BUCKET, AWS_REGION / AWS_DEFAULT_REGION,
# PRIVATE_SUBNET_IDS, LAMBDA_SECURITY_GROUP_ID, CONNECT_INSTANCE_ARN, QCONNECT_ASSISTANT_ID,
# ALARM_TOPIC_ARN. With --subnet-ids and --security-group-id the functions run in that existing
# VPC (checked by scripts/check_vpc.py) and no betterbank-vpc-STAGE stack is deployed.
#
# Every precondition is checked before anything is created: the aws CLI, credentials, the
# region, the artifact bucket (exists, readable, in the stack's region), the state of earlier
# stacks and, for an existing VPC, its subnets, DynamoDB endpoint and egress. Needs bash, the
# aws CLI (v1 or v2) and the project's venv; no Java, no Docker.
set -euo pipefail

die() { echo "deploy: ERROR: $*" >&2; exit 1; }
say() { echo "deploy: $*"; }

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
stage="$1"
shift
bucket="${DEPLOY_BUCKET:-}"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
subnet_ids="${PRIVATE_SUBNET_IDS:-}"
security_group_id="${LAMBDA_SECURITY_GROUP_ID:-}"
connect_instance_arn="${CONNECT_INSTANCE_ARN:-}"
assistant_id="${QCONNECT_ASSISTANT_ID:-}"
alarm_topic_arn="${ALARM_TOPIC_ARN:-}"
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || usage
    case "$1" in
        --bucket) bucket="$2" ;;
        --region) region="$2" ;;
        --subnet-ids) subnet_ids="$2" ;;
        --security-group-id) security_group_id="$2" ;;
        --connect-instance-arn) connect_instance_arn="$2" ;;
        --assistant-id) assistant_id="$2" ;;
        --alarm-topic-arn) alarm_topic_arn="$2" ;;
        *) usage ;;
    esac
    shift 2
done

[[ "$stage" =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "invalid stage '$stage' (expected e.g. dev or prod)"
[[ "$stage" != "local" ]] || die "stage 'local' is never deployed: use make dev"
if [[ -n "$subnet_ids" || -n "$security_group_id" ]]; then
    [[ -n "$subnet_ids" && -n "$security_group_id" ]] \
        || die "an existing VPC needs both --subnet-ids (two or more private subnets, comma-separated) and --security-group-id"
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A stage is deployable only once .chalice/config.json defines it (its policy file, its
# settings): a typo (prdo) would otherwise pass the preflight, deploy a VPC stack for it and
# only then fail inside chalice package.
stages="$("${VENV:-$root/.venv}/bin/python" -c 'import json, sys
print(" ".join(s for s in json.load(open(sys.argv[1]))["stages"] if s != "local"))' \
    "$root/.chalice/config.json")" || die "cannot read the stages of .chalice/config.json"
[[ " $stages " == *" $stage "* ]] \
    || die "unknown stage '$stage': .chalice/config.json defines $stages (add a stage there, with its .chalice/policy-$stage.json, to deploy a new one)"
vpc_stack="betterbank-vpc-$stage"
app_stack="betterbank-card-operations-$stage"
prefix="betterbank-card-operations/$stage"

# The status of a stack, NONE when there is none. describe-stacks answers a missing stack with
# a ValidationError whose text is the only way to tell it from other validation errors (the
# CLI's own deploy command reads it the same way); any other failure stops the script.
stack_status() {
    local out
    if out="$(aws cloudformation describe-stacks --stack-name "$1" \
        --query 'Stacks[0].StackStatus' --output text 2>&1)"; then
        echo "$out"
    elif [[ "$out" == *"does not exist"* ]]; then
        echo NONE
    else
        die "cannot read the state of stack $1: $(echo "$out" | tr -s '\n' ' ')"
    fi
}

# Refuse a stack that no deployment can move on, or that is busy; explain each.
check_stack() {
    local stack="$1" status
    status="$(stack_status "$stack")" || exit 1
    local events="aws cloudformation describe-stack-events --stack-name $stack --query \"StackEvents[?contains(ResourceStatus,'FAILED')].[LogicalResourceId,ResourceStatusReason]\" --output table"
    case "$status" in
        ROLLBACK_COMPLETE | ROLLBACK_FAILED | DELETE_FAILED)
            die "stack $stack is in $status (a failed creation or deletion left it so, and CloudFormation cannot update it); read why with: $events; fix the cause, delete the stack (aws cloudformation delete-stack --stack-name $stack, then aws cloudformation wait stack-delete-complete --stack-name $stack) and rerun" ;;
        UPDATE_ROLLBACK_FAILED)
            die "stack $stack is in UPDATE_ROLLBACK_FAILED (an update failed and so did its rollback); read why with: $events; fix the cause, then aws cloudformation continue-update-rollback --stack-name $stack, wait for UPDATE_ROLLBACK_COMPLETE and rerun" ;;
        REVIEW_IN_PROGRESS)
            say "stack $stack is in REVIEW_IN_PROGRESS: an earlier first deployment created its change set but never ran it (the change set failed, or the run was stopped), so nothing of it exists; it is created again now, as aws cloudformation deploy does for such a stack" ;;
        *_IN_PROGRESS)
            die "stack $stack is busy ($status); wait for it to finish (aws cloudformation describe-stacks --stack-name $stack --query 'Stacks[0].StackStatus') and rerun" ;;
    esac
}

# --- preflight: nothing is created before every check has passed -----------------------------

command -v aws >/dev/null 2>&1 \
    || die "the aws CLI is not installed or not on PATH (https://aws.amazon.com/cli/); see docs/DEPLOYMENT.md"

if [[ -z "$region" ]]; then
    region="$(aws configure get region 2>/dev/null || true)"
fi
[[ -n "$region" ]] || die "no region: pass --region, or set AWS_REGION or 'aws configure set region'"
export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"

sts_error="$(mktemp)"
trap 'rm -f "$sts_error"' EXIT
if ! account="$(aws sts get-caller-identity --query Account --output text 2>"$sts_error")"; then
    [[ "$(cat "$sts_error")" != *"profile ("*") could not be found"* ]] \
        || die "AWS_PROFILE '${AWS_PROFILE:-}' names no profile of ~/.aws/config or ~/.aws/credentials: set it to one that exists, or unset it"
    die "no usable AWS credentials (aws sts get-caller-identity failed): run 'aws configure', or 'aws sso login' (AWS CLI v2; with v1 configure the profile's keys), or set AWS_PROFILE"
fi
say "account $account, region $region, stage $stage"

[[ -n "$bucket" ]] || die "no artifact bucket: pass --bucket NAME or set DEPLOY_BUCKET (an S3 bucket in $region)"
[[ "$bucket" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] \
    || die "'$bucket' is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit): pass the bucket's exact name"
# One call tells whether the bucket exists, is ours to read, and where it is.
if ! bucket_region="$(aws s3api get-bucket-location --bucket "$bucket" \
    --query LocationConstraint --output text 2>&1)"; then
    case "$bucket_region" in
        *NoSuchBucket*)
            die "S3 bucket '$bucket' does not exist; create it in $region with: aws s3 mb s3://$bucket --region $region" ;;
        *AccessDenied*)
            die "S3 bucket '$bucket' exists but this identity may not read it (s3:GetBucketLocation and s3:PutObject are needed); it may belong to another account: use a bucket of your own" ;;
        *)
            die "cannot read the region of S3 bucket '$bucket': $(echo "$bucket_region" | tr -s '\n' ' ')" ;;
    esac
fi
case "$bucket_region" in
    "" | None | null) bucket_region="us-east-1" ;;  # buckets in us-east-1 report no constraint
    EU) bucket_region="eu-west-1" ;;                # legacy name of eu-west-1
esac
[[ "$bucket_region" == "$region" ]] \
    || die "S3 bucket '$bucket' is in $bucket_region but the stacks deploy to $region; CloudFormation reads Lambda code only from a bucket in its own region: use a bucket in $region or pass --region $bucket_region"

check_stack "$app_stack"
if [[ -n "$subnet_ids" ]]; then
    vpc_check=(--subnet-ids "$subnet_ids" --security-group-id "$security_group_id" --region "$region")
    [[ -z "$connect_instance_arn$assistant_id" ]] || vpc_check+=(--needs-internet)
    (cd "$root" && "${VENV:-$root/.venv}/bin/python" -m scripts.check_vpc "${vpc_check[@]}") \
        || die "the existing VPC cannot host the functions (above); see docs/DEPLOYMENT.md, 'Deploying into an existing VPC'"
else
    check_stack "$vpc_stack"
fi

# --- deploy -----------------------------------------------------------------------------------

tags=(project=betterbank-card-operations "stage=$stage")

if [[ -z "$subnet_ids" ]]; then
    say "deploying $vpc_stack"
    aws cloudformation deploy \
        --stack-name "$vpc_stack" \
        --template-file "$root/infra/vpc.yaml" \
        --s3-bucket "$bucket" \
        --s3-prefix "$prefix" \
        --parameter-overrides "Stage=$stage" \
        --tags "${tags[@]}" \
        --no-fail-on-empty-changeset
fi

say "packaging"
package_dir="${PACKAGE_OUT:-$root/build/package-$stage}"
PACKAGE_OUT="$package_dir" "$root/scripts/package.sh" "$stage"

say "uploading the deployment package to s3://$bucket/$prefix/"
aws cloudformation package \
    --template-file "$package_dir/sam.json" \
    --s3-bucket "$bucket" \
    --s3-prefix "$prefix" \
    --output-template-file "$package_dir/packaged.yaml"

# The VPC parameters are always given (empty: the VPC stack's exports), so switching between an
# existing VPC and the VPC stack takes effect. Other parameters left out keep their value from
# the previous deployment.
overrides=("PrivateSubnetIds=$subnet_ids" "LambdaSecurityGroupId=$security_group_id")
[[ -z "$connect_instance_arn" ]] || overrides+=("ConnectInstanceArn=$connect_instance_arn")
[[ -z "$assistant_id" ]] || overrides+=("QConnectAssistantId=$assistant_id")
[[ -z "$alarm_topic_arn" ]] || overrides+=("AlarmTopicArn=$alarm_topic_arn")

# The packaged template is larger than the 51,200 bytes CloudFormation accepts inline, so the
# CLI uploads it to the bucket and passes its TemplateURL (tests/infra asserts the size).
say "deploying $app_stack"
aws cloudformation deploy \
    --stack-name "$app_stack" \
    --template-file "$package_dir/packaged.yaml" \
    --s3-bucket "$bucket" \
    --s3-prefix "$prefix" \
    --capabilities CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
    --parameter-overrides "${overrides[@]}" \
    --tags "${tags[@]}" \
    --no-fail-on-empty-changeset

say "outputs of $app_stack"
aws cloudformation describe-stacks --stack-name "$app_stack" \
    --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output table

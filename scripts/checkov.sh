#!/usr/bin/env bash
# Run checkov 3.3.30 on CloudFormation templates, from its own venv (created on first use).
#
#   scripts/checkov.sh build/package-dev/sam.json infra/vpc.yaml
#
# checkov pins boto3 1.35.x, which conflicts with the project's boto3 pin, so it cannot share
# .venv: scripts/tool_venv.sh installs it into .cache/checkov-venv on first use. Every skipped
# check is justified inline in the template (Metadata.checkov.skip, with a comment), so a failed
# check here is a real finding. --skip-download keeps it offline.
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: $0 TEMPLATE..." >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$("$root/scripts/tool_venv.sh" checkov)"

args=()
for template in "$@"; do args+=(-f "$template"); done
exec "$venv/bin/checkov" "${args[@]}" --framework cloudformation --compact --quiet --skip-download

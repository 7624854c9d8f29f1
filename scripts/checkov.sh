#!/usr/bin/env bash
# Run checkov 3.3.30 on CloudFormation templates, from its own venv (created on first use).
#
#   scripts/checkov.sh build/package-dev/sam.json infra/vpc.yaml
#
# checkov pins boto3 1.35.x, which conflicts with the project's boto3 pin, so it cannot share
# .venv. Every skipped check is justified inline in the template (Metadata.checkov.skip, with a
# comment), so a failed check here is a real finding. --skip-download keeps it offline.
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: $0 TEMPLATE..." >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CHECKOV_VENV:-$root/.cache/checkov-venv}"
requirements="$root/infra/requirements-checkov.txt"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

if [[ ! -x "$venv/bin/checkov" ]] || ! cmp -s "$requirements" "$venv/requirements-checkov.txt"; then
    echo "checkov: installing $(grep -v '^#' "$requirements") into $venv" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet -r "$requirements" >"$venv/install.log" 2>&1; then
        cat "$venv/install.log" >&2
        echo "checkov: installing checkov failed (see above)" >&2
        exit 1
    fi
    cp "$requirements" "$venv/requirements-checkov.txt"
fi

args=()
for template in "$@"; do args+=(-f "$template"); done
exec "$venv/bin/checkov" "${args[@]}" --framework cloudformation --compact --quiet --skip-download

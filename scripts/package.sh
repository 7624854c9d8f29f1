#!/usr/bin/env bash
# Package the app stack of one stage into build/package-STAGE/ (sam.json + deployment.zip).
#
#   scripts/package.sh dev
#   PACKAGE_OUT=/tmp/pkg scripts/package.sh dev     # another output directory (tests)
#
# Offline of AWS: renders the stage's merge template (infra/app_template.py), runs
# `chalice package` with it, adds bytecode to the zip (scripts/package_bytecode.py: Lambda's
# /var/task is read-only, so Python could not cache what it compiles there; fails unless the
# venv's Python is the template's Lambda runtime), then scripts/check_template.py (two-intrinsic
# objects, zip contents, bytecode and size). Chalice imports app.py while packaging, so it runs
# from the project's venv with the runtime dependencies installed, and needs a region even
# though it calls no AWS API.
set -euo pipefail

usage() { echo "usage: $0 STAGE   (dev, prod, ...)" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
stage="$1"
[[ "$stage" =~ ^[a-z][a-z0-9]{1,9}$ ]] || { echo "package: invalid stage '$stage'" >&2; exit 2; }
if [[ "$stage" == "local" ]]; then
    echo "package: stage 'local' runs with 'chalice local' and is never deployed" >&2
    exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${VENV:-$root/.venv}/bin"
if [[ ! -x "$bin/chalice" ]]; then
    echo "package: $bin/chalice not found; create the venv first (make dev or make install)" >&2
    exit 1
fi

cd "$root"
out="${PACKAGE_OUT:-build/package-$stage}"
merge="$out.merge.json"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}"

"$bin/python" -m infra.app_template --stage "$stage" --out "$merge"
rm -rf "$out"
start=$(date +%s)
"$bin/chalice" package --stage "$stage" --merge-template "$merge" "$out"
echo "package: chalice package took $(($(date +%s) - start)) s"
"$bin/python" -m scripts.package_bytecode "$out"
"$bin/python" -m scripts.check_template "$out"
echo "package: wrote $out/sam.json and $out/deployment.zip"

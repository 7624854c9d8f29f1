#!/usr/bin/env bash
# Create (once) the venv of a tool whose pins clash with .venv's, and print its path.
#
#   scripts/tool_venv.sh awscli           # -> .cache/awscli-venv (from infra/requirements-awscli.txt)
#   "$(scripts/tool_venv.sh awscli)/bin/aws" --version
#
# Tools with their own venv: checkov (scripts/checkov.sh), awscli (the AWS CLI v1 from PyPI that
# the deploy rehearsal runs, and whose tables scripts/check_doc_commands.py parses the docs'
# commands with) and sam-translator (turns the packaged SAM template into plain CloudFormation
# for the offline stack checks). A venv is rebuilt when its requirements file
# changes; concurrent callers (pytest-xdist workers) wait on a lock instead of installing twice.
# Needs only PyPI.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 TOOL   (checkov, awscli, sam-translator)" >&2; exit 2; }
tool="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$root/infra/requirements-$tool.txt"
[[ -f "$requirements" ]] || { echo "tool_venv: no such tool: $requirements is missing" >&2; exit 2; }
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3

# A venv's scripts name its absolute path (their #! line), so a venv that was moved or copied
# (a renamed checkout, a .cache shared between checkouts) has an `aws` that cannot start: the
# path is resolved (symlinks too) and recorded, and a venv found elsewhere is rebuilt.
mkdir -p "${TOOL_VENVS:-$root/.cache}"
venv="$(cd "${TOOL_VENVS:-$root/.cache}" && pwd -P)/$tool-venv"
exec 9>"$venv.lock"
flock 9
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$venv/requirements-$tool.txt" \
    || [[ "$(cat "$venv/location" 2>/dev/null)" != "$venv" ]]; then
    echo "tool_venv: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" \
        >"$venv/install.log" 2>&1; then
        cat "$venv/install.log" >&2
        echo "tool_venv: installing $tool failed (see above)" >&2
        exit 1
    fi
    cp "$requirements" "$venv/requirements-$tool.txt"
    echo "$venv" >"$venv/location"
fi
echo "$venv"

"""Turn a packaged SAM template into the plain CloudFormation that CloudFormation would create.

Runs with the ``sam-translator`` tool venv (aws-sam-translator caps pydantic below the
project's pin), standard library otherwise:

    "$(scripts/tool_venv.sh sam-translator)/bin/python" scripts/sam_translate.py \\
        build/package-dev/sam.json build/package-dev/transformed.json

The transform is AWS's own library, the one the ``AWS::Serverless-2016-10-31`` transform runs,
so what it emits is what the stack is made of: the offline stack checks in ``tests/infra``
read its output, because moto ignores the transform. Our functions name their roles, so no
managed policy name is ever looked up (the loader below refuses to be asked).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The managed-policy loader ``transform`` wants; ours is never consulted (roles are given)."""

    def load(self) -> dict[str, str]:
        """Refuse: looking up managed policies would need IAM, and our template names none."""
        raise RuntimeError("the template asked for a managed policy by name; it should not")


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation the SAM transform makes of ``template``."""
    result: dict[str, Any] = transform(template, {}, NoManagedPolicies())
    return result


def main(argv: list[str]) -> int:
    """``sam_translate.py IN OUT``: exit 1 with the translator's message when it refuses."""
    if len(argv) != 2:
        print("usage: sam_translate.py SAM_TEMPLATE OUTPUT", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    # The translator asks boto3 for a region to pick the partition of the ARNs it writes.
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    try:
        result = translate(json.loads(source.read_text(encoding="utf-8")))
    except Exception as exc:  # the translator's InvalidDocumentException and friends
        print(f"sam_translate: {source}: {exc}", file=sys.stderr)
        return 1
    target.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"sam_translate: wrote {target} ({len(result.get('Resources', {}))} resources)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

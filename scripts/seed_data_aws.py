"""Seed the demo customers and cards into a stage's tables on AWS.

The same data and the same reset logic as ``seed_data.py``; only the target differs: the
tables ``betterbank-*-STAGE`` through the usual AWS credential chain. ``DYNAMODB_ENDPOINT`` is
ignored here (so an exported local endpoint cannot redirect an AWS seed); pass ``--endpoint``
explicitly to aim it elsewhere.

    python -m scripts.seed_data_aws --stage dev
"""

from __future__ import annotations

import sys

from scripts._common import resolve_endpoint
from scripts.seed_data import parse_args, run


def main(argv: list[str] | None = None) -> int:
    """Seed ``--stage``'s tables on AWS."""
    args = parse_args(argv, stage_default=None, description=__doc__.splitlines()[0], use_env=False)
    if args.stage == "local" and args.endpoint is None:
        print("error: stage 'local' is DynamoDB Local: use scripts/seed_data.py", file=sys.stderr)
        return 2
    return run(args, resolve_endpoint(args.stage, args.endpoint, use_env=False))


if __name__ == "__main__":
    sys.exit(main())

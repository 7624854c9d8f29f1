"""A stand-in ``aws`` CLI for the deploy script's preflight tests: records every call.

Behaviour comes from the environment: ``FAKE_AWS_LOG`` (file to append calls to),
``FAKE_AWS_CREDENTIALS`` (``0``: STS fails), ``FAKE_AWS_BUCKETS`` (``name=location,...``;
location ``None`` as us-east-1 reports it), ``FAKE_AWS_STACK_STATUS`` (app stack status),
``FAKE_AWS_DEPLOY_FAILS`` (``1``: ``cloudformation deploy`` fails, ending the script there).
"""

from __future__ import annotations

import json
import os
import sys


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1] if name in args else ""


def _fail(message: str, code: int = 254) -> int:
    print(message, file=sys.stderr)
    return code


def _caller_identity(_: list[str]) -> int:
    if os.environ.get("FAKE_AWS_CREDENTIALS") == "0":
        return _fail("Unable to locate credentials.", 253)
    print("123456789012")
    return 0


def _bucket(args: list[str]) -> int:
    buckets = dict(
        item.split("=", 1) for item in os.environ.get("FAKE_AWS_BUCKETS", "").split(",") if item
    )
    bucket = _option(args, "--bucket")
    if bucket not in buckets:
        return _fail(
            "An error occurred (NoSuchBucket) when calling the GetBucketLocation operation: "
            "The specified bucket does not exist"
        )
    if args[1] == "get-bucket-location":
        print(buckets[bucket])
    return 0


def _describe_stacks(_: list[str]) -> int:
    status = os.environ.get("FAKE_AWS_STACK_STATUS", "")
    if not status:
        return _fail("Stack with id x does not exist")
    print(status)
    return 0


def _deploy(_: list[str]) -> int:
    return 1 if os.environ.get("FAKE_AWS_DEPLOY_FAILS") == "1" else 0


HANDLERS = {
    "configure get": lambda _: 1,
    "sts get-caller-identity": _caller_identity,
    "s3api get-bucket-location": _bucket,
    "cloudformation describe-stacks": _describe_stacks,
    "cloudformation deploy": _deploy,
}


def main(args: list[str]) -> int:
    """Answer one CLI call the way the real CLI would for the configured account."""
    with open(os.environ["FAKE_AWS_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(args) + "\n")
    handler = HANDLERS.get(" ".join(args[:2]))
    return handler(args) if handler else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

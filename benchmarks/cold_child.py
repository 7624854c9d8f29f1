"""One cold start, in a fresh interpreter: ``floor`` or ``app`` (see ``benchmarks.cold``).

Prints one JSON line: the seconds measured and the peak RSS. Kept free of any import before the
clock starts, so both modes pay exactly what they name.
"""

import time

_STARTED = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def _floor() -> float:
    import boto3

    boto3.session.Session().client(
        "dynamodb",
        region_name=os.environ["AWS_DEFAULT_REGION"],
        endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
    )
    return time.perf_counter() - _STARTED


def _floor_with_calls(card_id: str, stack: bool = False) -> float:
    """The floor plus the two round trips of a lock, issued raw: what any implementation pays.
    With ``stack``, also what SPEC §1 makes every implementation import: Chalice's runtime and
    pydantic (one model validating one body)."""
    import boto3

    if stack:
        _chalice()
        _pydantic()

    client = boto3.session.Session().client(
        "dynamodb",
        region_name=os.environ["AWS_DEFAULT_REGION"],
        endpoint_url=os.environ["DYNAMODB_ENDPOINT"],
    )
    customers, cards = os.environ["CUSTOMERS_TABLE"], os.environ["CARDS_TABLE"]
    client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": customers, "Key": {"customer_id": {"S": "CUSTBENCH"}}}},
            {"Get": {"TableName": cards, "Key": {"card_id": {"S": card_id}}}},
        ]
    )
    client.transact_write_items(
        TransactItems=[
            {
                "ConditionCheck": {
                    "TableName": customers,
                    "Key": {"customer_id": {"S": "CUSTBENCH"}},
                    "ConditionExpression": "attribute_exists(customer_id)",
                }
            },
            {
                "Put": {
                    "TableName": os.environ["CARD_EVENTS_TABLE"],
                    "Item": {"card_id": {"S": card_id}, "version": {"N": "1000"}},
                }
            },
        ]
    )
    return time.perf_counter() - _STARTED


def _pydantic() -> float:
    """The least any pydantic validation costs: import it, define one model, validate once."""
    from pydantic import BaseModel

    class Ref(BaseModel):
        card_id: str

    Ref.model_validate_json('{"card_id": "CARD001"}')
    return time.perf_counter() - _STARTED


def _chalice() -> float:
    import chalice.app  # noqa: F401

    return time.perf_counter() - _STARTED


def _app(card_id: str, warm_ops: int) -> float:
    import app

    def lock_event(operation: str) -> dict[str, object]:
        path = f"/v1/cards/{operation}"
        body = json.dumps({"customer_id": "CUSTBENCH", "card_id": card_id})
        return {
            "resource": path,
            "path": path,
            "httpMethod": "POST",
            "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Content-Type": ["application/json"]},
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": None,
            "stageVariables": None,
            "requestContext": {"resourcePath": path, "httpMethod": "POST", "requestId": "cold"},
            "body": body,
            "isBase64Encoded": False,
        }

    response = app.app(lock_event("lock"), None)
    elapsed = time.perf_counter() - _STARTED
    if response["statusCode"] != 200 or '"changed":true' not in response["body"].replace(" ", ""):
        raise SystemExit(f"first lock failed: {response}")
    for index in range(warm_ops):
        app.app(lock_event("unlock" if index % 2 == 0 else "lock"), None)
    return elapsed


def main() -> None:
    """``cold_child.py floor|pydantic|chalice``, ``floor+calls|minimal CARD_ID`` or
    ``app CARD_ID WARM_OPS``."""
    mode = sys.argv[1]
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the app's JSON logs are not results
    if mode == "app":
        seconds = _app(sys.argv[2], int(sys.argv[3]))
    elif mode in ("floor+calls", "minimal"):
        seconds = _floor_with_calls(sys.argv[2], stack=mode == "minimal")
    else:
        seconds = {"floor": _floor, "pydantic": _pydantic, "chalice": _chalice}[mode]()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.__stdout__.write(json.dumps({"seconds": seconds, "rss_kib": rss_kib}) + "\n")


if __name__ == "__main__":
    main()

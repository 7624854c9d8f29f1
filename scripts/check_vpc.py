"""Check that an existing VPC can host the functions, before the app stack is deployed into it.

A bank's network team usually owns the VPC, so ``scripts/deploy_stack.sh --subnet-ids A,B
--security-group-id SG`` deploys into theirs instead of creating ``betterbank-vpc-STAGE``. What
would otherwise only show as Lambda timeouts after the deployment is checked here, with the
same credentials and region as the deploy:

* the subnets exist, share one VPC, and span at least two Availability Zones (one AZ down must
  not take the card service with it);
* every subnet's route table carries a DynamoDB **gateway** endpoint (the functions reach their
  tables only through it: private subnets have no other way to DynamoDB but the NAT, which
  nobody should pay for or depend on);
* the security group belongs to that VPC;
* egress for Q in Connect and the Connect API (public HTTPS endpoints): the group lets TCP 443
  out to 0.0.0.0/0 and every route table has a default route. Without it only the Connect
  function fails, so it is an error when the deploy configures Connect (``--needs-internet``)
  and a warning otherwise.

    python -m scripts.check_vpc --subnet-ids subnet-1,subnet-2 --security-group-id sg-1 \\
        --region eu-west-1 [--needs-internet]

Exit 0 when the VPC fits (warnings printed), 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from infra.app_template import PARAMETERS

HTTPS = 443


def route_tables(ec2: Any, vpc_id: str, subnet_ids: list[str]) -> dict[str, dict[str, Any]]:
    """``{subnet: its route table}``; a subnet without an association uses the VPC's main one."""
    tables: dict[str, dict[str, Any]] = {}
    for subnet in subnet_ids:
        found = ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
        )["RouteTables"]
        if not found:
            found = ec2.describe_route_tables(
                Filters=[
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "association.main", "Values": ["true"]},
                ]
            )["RouteTables"]
        if found:
            tables[subnet] = found[0]
    return tables


def dynamodb_route_tables(ec2: Any, vpc_id: str, region: str) -> set[str]:
    """Route tables that a DynamoDB gateway endpoint of the VPC is attached to."""
    endpoints = ec2.describe_vpc_endpoints(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "service-name", "Values": [f"com.amazonaws.{region}.dynamodb"]},
            {"Name": "vpc-endpoint-type", "Values": ["Gateway"]},
        ]
    )["VpcEndpoints"]
    usable = [e for e in endpoints if e.get("State", "available").lower() == "available"]
    return {table for endpoint in usable for table in endpoint.get("RouteTableIds", [])}


def allows_https_out(group: dict[str, Any]) -> bool:
    """Whether the group lets TCP 443 out to anywhere (an all-traffic rule counts)."""
    for rule in group.get("IpPermissionsEgress", []):
        protocol = rule.get("IpProtocol")
        anywhere = any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", []))
        if not anywhere:
            continue
        if protocol == "-1":
            return True
        if protocol == "tcp" and rule.get("FromPort", 0) <= HTTPS <= rule.get("ToPort", -1):
            return True
    return False


def has_default_route(table: dict[str, Any]) -> bool:
    """Whether a route table sends 0.0.0.0/0 somewhere (a NAT, a transit gateway, a firewall)."""
    return any(
        route.get("DestinationCidrBlock") == "0.0.0.0/0" and route.get("State") != "blackhole"
        for route in table.get("Routes", [])
    )


def problems(
    ec2: Any, subnet_ids: list[str], group_id: str, region: str
) -> tuple[list[str], list[str]]:
    """``(errors, egress problems)`` of the VPC the subnets are in."""
    subnets = ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    vpcs = {s["VpcId"] for s in subnets}
    zones = {s["AvailabilityZone"] for s in subnets}
    errors: list[str] = []
    if len(vpcs) != 1:
        found = ", ".join(sorted(vpcs)) or "none"
        return [f"the subnets are in {len(vpcs)} VPCs ({found}); give subnets of one VPC"], []
    vpc_id = vpcs.pop()
    print(f"vpc: {vpc_id}, subnets {', '.join(subnet_ids)} in {', '.join(sorted(zones))}")
    if len(zones) < 2:
        errors.append(
            f"all subnets are in {zones.pop()}: "
            "give private subnets in at least two Availability Zones"
        )
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    if group["VpcId"] != vpc_id:
        errors.append(f"security group {group_id} belongs to {group['VpcId']}, not to {vpc_id}")
    tables = route_tables(ec2, vpc_id, subnet_ids)
    with_endpoint = dynamodb_route_tables(ec2, vpc_id, region)
    for subnet in subnet_ids:
        table_id = tables.get(subnet, {}).get("RouteTableId", "none")
        if table_id not in with_endpoint:
            errors.append(
                f"subnet {subnet} (route table {table_id}) has no DynamoDB gateway endpoint: add "
                f"one for com.amazonaws.{region}.dynamodb to that route table"
            )
    egress: list[str] = []
    if not allows_https_out(group):
        egress.append(f"security group {group_id} does not allow TCP 443 out to 0.0.0.0/0")
    egress += [
        f"route table {t['RouteTableId']} of {subnet} has no default route (NAT gateway)"
        for subnet, t in tables.items()
        if not has_default_route(t)
    ]
    return errors, egress


def main(argv: list[str] | None = None) -> int:
    """Print what was found and every problem; exit 1 when the VPC cannot host the functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subnet-ids", required=True, help="comma-separated private subnets")
    parser.add_argument("--security-group-id", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument(
        "--needs-internet", action="store_true", help="Connect is configured: egress is required"
    )
    args = parser.parse_args(argv)
    invalid = _invalid_ids(args.subnet_ids, args.security_group_id)
    if invalid:
        print(f"vpc: ERROR: {invalid}", file=sys.stderr)
        return 1
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        ec2 = boto3.session.Session(region_name=args.region).client("ec2")
        found = problems(ec2, args.subnet_ids.split(","), args.security_group_id, args.region)
    except (BotoCoreError, ClientError) as exc:
        print(f"vpc: ERROR: {exc}", file=sys.stderr)
        return 1
    return _report(*found, needs_internet=args.needs_internet)


def _invalid_ids(subnet_ids: str, group_id: str) -> str:
    """What is wrong with the ids, by the app stack's own parameter patterns ("" if nothing)."""
    if not re.fullmatch(PARAMETERS["PrivateSubnetIds"]["AllowedPattern"], subnet_ids):
        return (
            f"--subnet-ids {subnet_ids!r}: give two or more subnet ids, comma-separated, no spaces"
        )
    repeated = sorted({i for i in subnet_ids.split(",") if subnet_ids.split(",").count(i) > 1})
    if repeated:
        return f"--subnet-ids lists {', '.join(repeated)} more than once: give each subnet once"
    if not re.fullmatch(PARAMETERS["LambdaSecurityGroupId"]["AllowedPattern"], group_id):
        return f"--security-group-id {group_id!r} is not a security group id (sg-...)"
    return ""


def _report(errors: list[str], egress: list[str], needs_internet: bool) -> int:
    """Print the problems: egress ones are errors only when Connect is configured."""
    reach = "the Connect function cannot reach Q in Connect or the Connect API"
    if egress and needs_internet:
        errors = errors + [f"{line}: {reach}" for line in egress]
    else:
        for line in egress:
            print(f"vpc: WARNING: {line}: {reach} (fine while Connect is not used)")
    for line in errors:
        print(f"vpc: ERROR: {line}", file=sys.stderr)
    if not errors:
        print("vpc: OK (two or more AZs, DynamoDB gateway endpoint on every route table)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

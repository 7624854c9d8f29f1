"""``scripts/check_doc_commands.py`` over the docs, and over commands wrong in each way it knows.

The script runs as CI runs it, from ``.venv`` (it finds the AWS CLI's venv itself).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

from scripts.check_doc_commands import DOCS, ROOT, extract_commands

WRONG = {  # a command, and (part of) what the check says about it
    "aws lambda get-function-configurations --function-name x": "(get-function-configuration?)",
    "aws cloudformation wait stack-deleted --stack-name s": "has no waiter 'stack-deleted'",
    "aws lambda get-function-configuration --function-nam x": "option --function-nam (--func",
    "aws lambda get-function-configuration --query Environment": "missing required",
    "aws cloudformation deploy --template-file t.yaml": "missing required --stack-name",
    "aws lambda invoke --function-name f": "required: outfile",
    "aws lambda get-policy --function-name f extra": "unexpected positional",
    "aws ec2 create-image --instance-id i --name n --no-no-reboot": "--no-no-reboot",  # renamed
    "aws dynamodb get-item --table-name t --key {} --max-items 5": "--max-items",  # no paginator
    "aws s3 get-object --bucket b --key k out": "aws s3 has no command 'get-object'",
    "aws logs tail --since 15m": "required: group_name",
    "aws --regoin eu-west-1 sts get-caller-identity": "unknown option --regoin (--region?)",
    "aws dynamodbb scan --table-name t": "no AWS CLI service 'dynamodbb' (dynamodb?)",
    "aws lambda --region eu-west-1": "no command after 'aws lambda'",
    "aws sts get-caller-identity --output txt": "invalid choice: 'txt'",
    "aws ec2 describe-instance-types --instance-types t3.micro t9.huge": "'t9.huge' is not one",
    "aws cloudformation describe-stacks --query 'Stacks[0'": "is not JMESPath",
}
VALID = [
    "aws cloudformation wait stack-delete-complete --stack-name s",
    "aws ec2 create-image --instance-id i --name n --no-reboot",
    "aws dynamodb update-table --table-name t --no-deletion-protection-enabled",
    "aws lambda invoke --function-name f --payload {} --cli-binary-format raw-in-base64-out o",
    "aws logs filter-log-events --log-group-name g --max-items 5 --page-size 10",
    "aws ec2 describe-instance-types --instance-types t3.micro $TYPE",
    "aws --region eu-west-1 s3 mb s3://bucket",
    "aws s3 cp build/sam.json s3://bucket/sam.json --only-show-errors",
    "aws s3api get-bucket-location --bucket b",
    "aws dynamodb get-item --cli-input-json file://in.json",
    "aws logs tail /aws/lambda/f --follow --format short",
    "aws configure",
    "aws configure get region",
    "aws --version",
]


def check(*args: str) -> dict[str, list[str]]:
    """What the script finds wrong, by command (or doc); its exit status must agree."""
    command = [sys.executable, "-m", "scripts.check_doc_commands", "--json", *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stderr
    wrong = {e["command"] or e["where"]: e["problems"] for e in json.loads(result.stdout)}
    assert result.returncode == (1 if wrong else 0)
    return wrong


def test_every_documented_aws_command_is_one_the_cli_takes() -> None:
    found = [(doc, *c) for doc in DOCS for c in extract_commands((ROOT / doc).read_text())]
    per_doc = Counter(doc for doc, *_ in found)
    fenced = [argv for _, _, argv, complete in found if complete]
    # What the docs held when this was written: fewer means the extractor broke.
    assert (len(found), len(fenced), per_doc["docs/TROUBLESHOOTING.md"]) >= (50, 30, 30), per_doc
    assert (per_doc["docs/MCP.md"], per_doc["docs/DEPLOYMENT.md"]) >= (3, 8), per_doc
    # inside `VPC=$(aws ...)`, and a continued line with its options from the second line
    assert any(argv[1:3] == ("cloudformation", "list-exports") for argv in fenced)
    assert any("--statistics" in argv for argv in fenced)
    assert check() == {}


def test_the_check_refuses_each_wrong_command_and_takes_each_valid_one() -> None:
    wrong = check(*(arg for command in [*WRONG, *VALID] for arg in ("--command", command)))
    said = {command: wrong.pop(shlex.join(shlex.split(command)), []) for command in WRONG}
    assert [c for c, problem in WRONG.items() if not any(problem in p for p in said[c])] == [], said
    assert wrong == {}  # nothing wrong with the valid ones


def test_no_doc_promises_cli_v1_will_do_when_a_command_needs_v2(tmp_path: Path) -> None:
    for name, command in (("v1.md", "aws sts get-caller-identity"), ("v2.md", "aws sso login")):
        (tmp_path / name).write_text(f"Works with AWS CLI v1 or v2: `{command}`.\n")
    assert check(str(tmp_path / "v1.md")) == {}
    assert list(check(str(tmp_path / "v2.md"))) == [str(tmp_path / "v2.md")]


def test_extraction_of_shell_constructs() -> None:
    markdown = """Run `aws sts get-caller-identity` first.
```bash
export STAGE=dev
ID=$(aws cloudformation list-exports --query "Exports[0]" --output text)
aws lambda invoke --function-name fn-$STAGE \\
  --payload '{"a": "$NOT_EXPANDED"}' out.json | cat  # a comment --bogus
python - <<'EOF'
aws not a command inside a heredoc
EOF
aws logs tail "/aws/lambda/${FN}" --since "$(date +%s)" > log.txt
```
```json
{"aws": "aws iam not-shell"}
```"""
    found = [f"{n} {whole} {shlex.join(argv)}" for n, argv, whole in extract_commands(markdown)]
    assert found == [
        "1 False aws sts get-caller-identity",
        "4 True aws cloudformation list-exports --query 'Exports[0]' --output text",
        "5 True aws lambda invoke --function-name 'fn-$STAGE' --payload "
        + """'{"a": "$NOT_EXPANDED"}' out.json""",
        "10 True aws logs tail '/aws/lambda/${FN}' --since '$SUBSHELL'",
    ]


def test_a_redirection_of_a_numbered_descriptor_is_no_argument() -> None:
    # `2>/dev/null`, `2>&1`, `1>out`: the shell's, not the command's (the digit is no argument)
    markdown = """```bash
aws sts get-caller-identity 2>/dev/null
aws sts get-caller-identity 2>&1 | tee out.txt
aws s3 ls s3://b 1>out.txt 2> err.txt
aws dynamodb get-item --table-name t --key '{"n": {"N": "2>1"}}'
```"""
    assert [shlex.join(argv) for _, argv, _ in extract_commands(markdown)] == [
        "aws sts get-caller-identity",
        "aws sts get-caller-identity",
        "aws s3 ls s3://b",
        """aws dynamodb get-item --table-name t --key '{"n": {"N": "2>1"}}'""",
    ]

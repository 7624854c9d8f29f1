"""Every ``aws ...`` command in README.md and docs/*.md names a real CLI command and real options.

Nobody can run the documented commands here (there is no AWS account), so they are checked
against botocore's service models, which the AWS CLI generates its commands from: the service,
the operation (``get-function-configuration`` is ``GetFunctionConfiguration``), every
``--option`` (a member of the operation's input shape, ``xform_name(member, "-")``, or an AWS
CLI global option) and the input shape's required members.

The CLI also has hand-written commands that are not API operations (``aws logs tail``,
``aws cloudformation deploy``/``package``, ``aws s3 mb``/``ls``/``cp``, ``aws sso login``,
``aws configure``). They are checked against ``CUSTOM_COMMANDS`` below, copied from the AWS CLI
sources (``awscli/customizations/...``: v1 1.45 for the commands v1 has, the v2 branch for
``logs tail`` and ``sso login``). This test does not import awscli: CI has botocore only.

What is extracted: commands in fenced shell blocks (continuations joined, heredoc bodies
skipped, ``$VAR`` replaced by a placeholder, ``$(...)`` bodies searched too, cut at ``|``,
``&&``, ``;``, redirections and comments), checked in full; and ``aws ...`` inline code spans
in prose, which are often fragments (``aws cloudformation deploy``), so their required
members and positional arguments are not demanded.

Known CLI behaviours the checker models (else it would reject valid commands):
- a boolean member ``Flag`` is ``--flag`` or ``--no-flag``; a list member takes 1+ words;
- an operation with a streaming output (``lambda invoke``) takes one positional ``outfile``;
- a paginated operation also takes ``--max-items``, ``--starting-token`` and, when its
  paginator has a ``limit_key``, ``--page-size``;
- ``--cli-input-json``/``--cli-input-yaml``/``--generate-cli-skeleton`` replace required members;
- ``aws SERVICE wait WAITER`` takes the options of the waiter's operation;
- ``s3api`` is botocore's ``s3`` and ``configservice`` its ``config``; the argument renames of
  ``awscli/customizations/argrename.py`` for the services these docs use are in ``RENAMES``.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import botocore.session
import jmespath
import jmespath.exceptions
import pytest
from botocore import xform_name  # botocore.utils has none: the CLI imports it from here
from botocore.exceptions import DataNotFoundError, UnknownServiceError
from botocore.model import OperationModel, ServiceModel

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

# (fewest, most) words an option takes; None: no limit.
Nargs = tuple[int, int | None]
FLAG: Nargs = (0, 0)
ONE: Nargs = (1, 1)
OPTIONAL: Nargs = (0, 1)
SOME: Nargs = (1, None)

# `aws help` lists them (awscli/data/cli.json); the last four exist in AWS CLI v2 only.
GLOBAL_OPTIONS: dict[str, Nargs] = {
    "debug": FLAG,
    "endpoint-url": ONE,
    "no-verify-ssl": FLAG,
    "no-paginate": FLAG,
    "output": ONE,
    "query": ONE,
    "profile": ONE,
    "region": ONE,
    "version": FLAG,
    "color": ONE,
    "no-sign-request": FLAG,
    "ca-bundle": ONE,
    "cli-read-timeout": ONE,
    "cli-connect-timeout": ONE,
    "cli-binary-format": ONE,
    "no-cli-pager": FLAG,
    "cli-auto-prompt": FLAG,
    "no-cli-auto-prompt": FLAG,
}
# Every API operation's command also takes these (awscli/customizations/cliinputjson.py,
# generatecliskeleton.py); --cli-input-yaml is v2 only.
OPERATION_OPTIONS: dict[str, Nargs] = {
    "cli-input-json": ONE,
    "cli-input-yaml": ONE,
    "generate-cli-skeleton": OPTIONAL,
}
GLOBAL_CHOICES: dict[str, frozenset[str]] = {
    "output": frozenset({"json", "text", "table", "yaml", "yaml-stream"}),
    "color": frozenset({"on", "off", "auto"}),
    "cli-binary-format": frozenset({"base64", "raw-in-base64-out"}),
}
INPUT_FROM_FILE = ("cli-input-json", "cli-input-yaml", "generate-cli-skeleton")
V2_ONLY_OPTIONS = frozenset(
    {"cli-binary-format", "no-cli-pager", "cli-auto-prompt", "no-cli-auto-prompt", "cli-input-yaml"}
)

# CLI service name -> botocore service name where they differ.
BOTOCORE_SERVICE = {"s3api": "s3", "configservice": "config"}
# awscli/customizations/argrename.py, the services these docs use ("*": every command).
RENAMES: dict[tuple[str, str, str], str] = {
    ("ec2", "create-image", "no-no-reboot"): "reboot",
    ("ec2", "*", "no-egress"): "ingress",
    ("ec2", "*", "no-disable-api-termination"): "enable-api-termination",
    ("apigateway", "create-rest-api", "version"): "api-version",
    ("iam", "enable-mfa-device", "authentication-code1"): "authentication-code-1",
    ("iam", "enable-mfa-device", "authentication-code2"): "authentication-code-2",
    ("iam", "resync-mfa-device", "authentication-code1"): "authentication-code-1",
    ("iam", "resync-mfa-device", "authentication-code2"): "authentication-code-2",
    ("lambda", "publish-version", "code-sha256"): "code-sha-256",
}
# Commands awscli/customizations/removals.py takes out of the CLI, for these docs' services.
REMOVED = frozenset({("lambda", "invoke-with-response-stream"), ("logs", "get-log-object")})


@dataclass(frozen=True)
class CustomCommand:
    """A hand-written AWS CLI command: its options, positional arguments and required options."""

    options: Mapping[str, Nargs]
    positionals: tuple[int, int] = (0, 0)
    required: frozenset[str] = frozenset()
    v2_only: bool = False
    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)


S3_TRANSFER_OPTIONS: dict[str, Nargs] = {
    **dict.fromkeys(
        ("dryrun", "quiet", "follow-symlinks", "no-follow-symlinks", "no-guess-mime-type"), FLAG
    ),
    **dict.fromkeys(("only-show-errors", "no-progress", "recursive"), FLAG),
    **dict.fromkeys(("ignore-glacier-warnings", "force-glacier-transfer"), FLAG),
    **dict.fromkeys(("include", "exclude", "acl", "sse-c-key", "sse-kms-key-id"), ONE),
    **dict.fromkeys(("sse", "sse-c", "sse-c-copy-source", "request-payer"), OPTIONAL),
    **dict.fromkeys(("sse-c-copy-source-key", "storage-class", "website-redirect"), ONE),
    **dict.fromkeys(("content-type", "cache-control", "content-disposition"), ONE),
    **dict.fromkeys(("content-encoding", "content-language", "expires", "source-region"), ONE),
    **dict.fromkeys(("page-size", "checksum-mode", "checksum-algorithm", "metadata"), ONE),
    **dict.fromkeys(("metadata-directive", "expected-size", "case-conflict"), ONE),
    "grants": SOME,
}
CUSTOM_COMMANDS: dict[tuple[str, str], CustomCommand] = {
    # awscli/customizations/logs/tail.py (v2 branch; v1 has no `logs tail`)
    ("logs", "tail"): CustomCommand(
        {
            "since": ONE,
            "follow": FLAG,
            "format": ONE,
            "filter-pattern": ONE,
            "log-stream-names": SOME,
            "log-stream-name-prefix": ONE,
        },
        positionals=(1, 1),
        v2_only=True,
        choices={"format": frozenset({"detailed", "short", "json", "none"})},
    ),
    # awscli/customizations/cloudformation/deploy.py
    ("cloudformation", "deploy"): CustomCommand(
        {
            **dict.fromkeys(("template-file", "stack-name", "s3-bucket", "s3-prefix"), ONE),
            **dict.fromkeys(("kms-key-id", "role-arn"), ONE),
            **dict.fromkeys(("parameter-overrides", "capabilities", "notification-arns"), SOME),
            "tags": SOME,
            **dict.fromkeys(("force-upload", "no-execute-changeset"), FLAG),
            **dict.fromkeys(("disable-rollback", "no-disable-rollback"), FLAG),
            **dict.fromkeys(("fail-on-empty-changeset", "no-fail-on-empty-changeset"), FLAG),
        },
        required=frozenset({"template-file", "stack-name"}),
    ),
    # awscli/customizations/cloudformation/package.py
    ("cloudformation", "package"): CustomCommand(
        {
            **dict.fromkeys(("template-file", "s3-bucket", "s3-prefix", "kms-key-id"), ONE),
            **dict.fromkeys(("output-template-file", "metadata"), ONE),
            **dict.fromkeys(("use-json", "force-upload"), FLAG),
        },
        required=frozenset({"template-file", "s3-bucket"}),
    ),
    # awscli/customizations/s3/subcommands.py
    ("s3", "mb"): CustomCommand({"tags": (2, 2)}, positionals=(1, 1)),
    ("s3", "ls"): CustomCommand(
        {
            **dict.fromkeys(("recursive", "human-readable", "summarize"), FLAG),
            **dict.fromkeys(("page-size", "bucket-name-prefix", "bucket-region"), ONE),
            "request-payer": OPTIONAL,
        },
        positionals=(0, 1),
    ),
    ("s3", "cp"): CustomCommand(S3_TRANSFER_OPTIONS, positionals=(2, 2)),
    # awscli/customizations/sso/login.py and utils.py (v2 branch; v1 has no `sso login`)
    ("sso", "login"): CustomCommand(
        {"sso-session": ONE, "no-browser": FLAG, "use-device-code": FLAG}, v2_only=True
    ),
    # awscli/customizations/configure/: `aws configure` alone prompts for credentials
    ("configure", ""): CustomCommand({}),
    ("configure", "list"): CustomCommand({}),
    ("configure", "get"): CustomCommand({}, positionals=(1, 1)),
    ("configure", "set"): CustomCommand({}, positionals=(2, 2)),
}


# --- extraction -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocCommand:
    """One ``aws`` invocation found in a doc."""

    path: str
    line: int
    argv: tuple[str, ...]
    complete: bool  # False: an inline code span in prose, possibly a fragment

    @property
    def id(self) -> str:
        words = " ".join(word for word in self.argv[:3] if not word.startswith("-"))
        return f"{self.path}:{self.line} {words}{'' if self.complete else ' (inline)'}"


FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "console", "zsh"})
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
INLINE_AWS = re.compile(r"`(aws\s[^`]+)`")
VARIABLE = re.compile(r"\$(?:\{(\w+)[^}]*\}|([A-Za-z_]\w*)|([0-9@*#?$!-]))")
SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "(", ")", ";;", "|&"})
REDIRECTIONS = frozenset({">", ">>", "<", "<<", "<<<", ">&", "<&", "&>", ">|", "<>"})
SUBSHELL_PLACEHOLDER = "{SUBSHELL}"


def closing_parenthesis(text: str, start: int) -> int:
    """The index of the ``)`` that closes a ``$(`` whose body starts at ``start``."""
    depth, quote = 1, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return index
    raise ValueError(f"unbalanced $( in {text!r}")


def expand(text: str) -> tuple[str, list[str]]:
    """Replace ``$(...)`` with ``{SUBSHELL}`` and ``$VAR``/``${VAR}`` with ``{VAR}`` (outside
    single quotes), as the shell would before splitting; also return the subshells' bodies."""
    out: list[str] = []
    subshells: list[str] = []
    index, in_single, in_double = 0, False, False
    while index < len(text):
        char = text[index]
        if in_single or (char == "'" and not in_double):
            in_single = in_single != (char == "'")
            out.append(char)
            index += 1
        elif char == "\\":
            out.append(text[index : index + 2])
            index += 2
        elif text.startswith("$(", index) and not text.startswith("$((", index):
            end = closing_parenthesis(text, index + 2)
            subshells.append(text[index + 2 : end])
            out.append(SUBSHELL_PLACEHOLDER)
            index = end + 1
        elif match := VARIABLE.match(text, index):
            out.append("{%s}" % (match.group(1) or match.group(2) or "ARG"))
            index = match.end()
        else:
            in_double = in_double != (char == '"')
            out.append(char)
            index += 1
    return "".join(out), subshells


def simple_commands(text: str) -> Iterator[list[str]]:
    """Split one logical shell line into its simple commands (words, redirections dropped)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words: list[str] = []
    skip_target = False
    for token in lexer:
        if skip_target:
            skip_target = False
        elif token in SEPARATORS:
            yield words
            words = []
        elif token in REDIRECTIONS:
            skip_target = True
        else:
            words.append(token)
    yield words


def aws_invocations(text: str) -> Iterator[tuple[str, ...]]:
    """Every ``aws ...`` argv in a logical shell line, those inside ``$(...)`` included."""
    expanded, subshells = expand(text)
    for body in subshells:
        yield from aws_invocations(body)
    for words in simple_commands(expanded):
        start = 0
        while start < len(words) and (
            re.match(r"^\w+=", words[start]) or words[start] in {"time", "sudo"}
        ):
            start += 1
        if words[start : start + 1] == ["aws"]:
            yield tuple(words[start:])


def logical_lines(numbered: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Join backslash continuations and skip heredoc bodies: (first line number, text)."""
    pending, start, heredoc_end = "", 0, ""
    for number, text in numbered:
        if heredoc_end:
            heredoc_end = "" if text.strip() == heredoc_end else heredoc_end
            continue
        start = start if pending else number
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        line, pending = pending + text, ""
        if match := HEREDOC.search(line):
            heredoc_end = match.group(2)
        yield start, line.strip().removeprefix("$ ")
    if pending:
        yield start, pending


def markdown_parts(lines: list[str]) -> Iterator[tuple[bool, list[tuple[int, str]]]]:
    """(True, numbered lines) for every fenced shell block, (False, [numbered line]) for every
    prose line; other fenced blocks (json, python, ...) are left out."""
    fence, language = "", ""
    block: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        match = FENCE.match(text)
        if fence and match and match.group(1) == fence:
            if language in SHELL_LANGUAGES:
                yield True, block
            fence, block = "", []
        elif fence:
            block.append((number, text))
        elif match:
            fence, language = match.group(1), match.group(2).lower()
        else:
            yield False, [(number, text)]


def extract_commands(path: str, markdown: str) -> list[DocCommand]:
    """Every ``aws`` command in one markdown document."""
    found: list[DocCommand] = []
    for fenced, numbered in markdown_parts(markdown.splitlines()):
        if fenced:
            for number, text in logical_lines(numbered):
                found.extend(DocCommand(path, number, argv, True) for argv in aws_invocations(text))
            continue
        for number, text in numbered:
            for span in INLINE_AWS.findall(text):
                found.extend(
                    DocCommand(path, number, argv, False) for argv in aws_invocations(span)
                )
    return found


def documented_commands() -> list[DocCommand]:
    commands: list[DocCommand] = []
    for doc in DOC_FILES:
        relative = doc.relative_to(ROOT).as_posix()
        commands.extend(extract_commands(relative, doc.read_text(encoding="utf-8")))
    return commands


# --- checking -------------------------------------------------------------------------------


@cache
def session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(name: str) -> ServiceModel | None:
    try:
        return session().get_service_model(name)
    except UnknownServiceError:
        return None


def parse_options(
    words: tuple[str, ...], spec: Mapping[str, Nargs]
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Split words as argparse would: (given options and their values, positionals, problems)."""
    given: dict[str, list[str]] = {}
    positionals: list[str] = []
    problems: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("--"):
            positionals.append(word)
            continue
        name, equals, value = word[2:].partition("=")
        fewest, most = spec.get(name, SOME)
        values = [value] if equals else []
        while index < len(words) and not words[index].startswith("--"):
            if most is not None and len(values) >= most:
                break
            values.append(words[index])
            index += 1
        if name not in spec:
            close = difflib.get_close_matches(name, spec, n=1)
            problems.append(f"unknown option --{name}" + (f" (--{close[0]}?)" if close else ""))
        elif len(values) < fewest:
            problems.append(f"--{name} takes {fewest} value(s), got {len(values)}")
        given[name] = values
    return given, positionals, problems


def member_options(service: str, command: str, operation: OperationModel) -> dict[str, Nargs]:
    """The CLI options of an operation's input members, and the member each one sets."""
    options: dict[str, Nargs] = {}
    shape = operation.input_shape
    members = shape.members if shape is not None else {}
    for member, member_shape in members.items():
        name = xform_name(member, "-")
        if member_shape.type_name == "boolean":
            options[name] = options[f"no-{name}"] = FLAG
        else:
            options[name] = SOME if member_shape.type_name == "list" else ONE
    return {
        RENAMES.get((service, command, name), RENAMES.get((service, "*", name), name)): nargs
        for name, nargs in options.items()
    }


def member_choices(operation: OperationModel) -> dict[str, frozenset[str]]:
    """The allowed values of the input members that are enums (or lists of enums)."""
    shape = operation.input_shape
    choices: dict[str, frozenset[str]] = {}
    for member, member_shape in (shape.members if shape is not None else {}).items():
        values = getattr(getattr(member_shape, "member", member_shape), "enum", None)
        if values:
            choices[xform_name(member, "-")] = frozenset(values)
    return choices


def check_values(
    given: Mapping[str, list[str]], choices: Mapping[str, frozenset[str]]
) -> list[str]:
    """Enum values outside their enum, and ``--query`` expressions JMESPath cannot parse."""
    problems = []
    for name, values in given.items():
        allowed = {**GLOBAL_CHOICES, **choices}.get(name)
        for value in values:
            placeholder = "{" in value or value == "\N{HORIZONTAL ELLIPSIS}"
            if allowed and not placeholder and value not in allowed:
                problems.append(f"--{name} {value!r} is not one of {sorted(allowed)}")
    for query in given.get("query", []):
        try:
            jmespath.compile(query)
        except jmespath.exceptions.JMESPathError as error:
            problems.append(f"--query {query!r} is not JMESPath: {error}")
    return problems


def required_options(service: str, command: str, operation: OperationModel) -> list[str]:
    shape = operation.input_shape
    required = shape.required_members if shape is not None else []
    names = [xform_name(member, "-") for member in required]
    return [RENAMES.get((service, command, name), name) for name in names]


def pagination_options(service: str, operation: OperationModel) -> dict[str, Nargs]:
    try:
        paginator = session().get_paginator_model(service).get_paginator(operation.name)
    except (DataNotFoundError, ValueError):
        return {}
    options = {"max-items": ONE, "starting-token": ONE}
    return {**options, "page-size": ONE} if "limit_key" in paginator else options


def operation_named(model: ServiceModel, command: str) -> OperationModel | None:
    for name in model.operation_names:
        if xform_name(name, "-") == command:
            return model.operation_model(name)
    return None


def waiter_operation(model: ServiceModel, service: str, waiter: str) -> OperationModel | None:
    try:
        waiters = session().get_waiter_model(service)
    except DataNotFoundError:
        return None
    for name in waiters.waiter_names:
        if xform_name(name, "-") == waiter:
            return model.operation_model(waiters.get_waiter(name).operation)
    return None


def check_positionals(positionals: list[str], allowed: tuple[int, int], complete: bool) -> str:
    fewest, most = allowed
    count = len(positionals)
    if count > most:
        return f"unexpected positional argument(s) {positionals[most:]}"
    if complete and count < fewest:
        return f"needs {fewest} positional argument(s), got {count}"
    return ""


def check_custom(words: tuple[str, ...], custom: CustomCommand, complete: bool) -> list[str]:
    given, positionals, problems = parse_options(words, {**GLOBAL_OPTIONS, **custom.options})
    problems.append(check_positionals(positionals, custom.positionals, complete))
    problems += check_values(given, custom.choices)
    if complete:
        problems += [f"missing required --{name}" for name in sorted(custom.required - set(given))]
    return [problem for problem in problems if problem]


def check_operation(
    service: str, command: str, words: tuple[str, ...], complete: bool
) -> list[str]:
    """Problems with ``aws SERVICE COMMAND WORDS...`` for an API operation (or a waiter)."""
    model = service_model(BOTOCORE_SERVICE.get(service, service))
    if model is None or service == "s3":
        return [f"no AWS CLI service {service!r}"]
    wait = command == "wait"
    if wait:
        command, words = (words[0], words[1:]) if words else ("", words)
        operation = waiter_operation(model, model.service_name, command)
    else:
        operation = None if (service, command) in REMOVED else operation_named(model, command)
    if operation is None:
        known = [xform_name(name, "-") for name in model.operation_names]
        close = difflib.get_close_matches(command, known, n=1)
        kind = "waiter" if wait else "operation"
        return [f"{service} has no {kind} {command!r}" + (f" ({close[0]}?)" if close else "")]
    spec = {**GLOBAL_OPTIONS, **OPERATION_OPTIONS, **member_options(service, command, operation)}
    if not wait:
        spec.update(pagination_options(model.service_name, operation))
    given, positionals, problems = parse_options(words, spec)
    outfile = 1 if operation.has_streaming_output else 0
    problems.append(check_positionals(positionals, (outfile, outfile), complete))
    problems += check_values(given, member_choices(operation))
    if complete and not set(INPUT_FROM_FILE) & set(given):
        for name in required_options(service, command, operation):
            if name not in given and f"no-{name}" not in given:
                problems.append(f"missing required --{name}")
    return [problem for problem in problems if problem]


def split_global(argv: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """Skip ``aws`` and the global options before the service: (the rest, problems)."""
    index, problems = 1, []
    while index < len(argv) and argv[index].startswith("--"):
        name = argv[index][2:].partition("=")[0]
        if name not in GLOBAL_OPTIONS:
            problems.append(f"unknown global option --{name}")
        index += 1 + (GLOBAL_OPTIONS.get(name, FLAG) == ONE and "=" not in argv[index])
    return argv[index:], problems


def check_command(argv: tuple[str, ...], complete: bool = True) -> list[str]:
    """Why ``argv`` (``aws ...``) is not a valid AWS CLI command; empty when it is."""
    rest, problems = split_global(argv)
    if not rest:
        return problems if "--version" in argv else [*problems, "no service"]
    service, command = rest[0], rest[1] if len(rest) > 1 else ""
    command = "" if command.startswith("-") else command
    words = rest[2:] if command else rest[1:]
    custom = CUSTOM_COMMANDS.get((service, command))
    if custom is not None:
        return problems + check_custom(words, custom, complete)
    if not command:
        return [*problems, f"no command after {service!r}"]
    return problems + check_operation(service, command, words, complete)


def v2_only_features(argv: tuple[str, ...]) -> list[str]:
    """The parts of a command that AWS CLI v1 rejects."""
    options = {word[2:].partition("=")[0] for word in argv if word.startswith("--")}
    features = [f"--{name}" for name in sorted(options & V2_ONLY_OPTIONS)]
    custom = CUSTOM_COMMANDS.get((argv[1], argv[2]) if len(argv) > 2 else ("", ""))
    if custom is not None and custom.v2_only:
        features.append(f"aws {argv[1]} {argv[2]}")
    return features


# --- tests ----------------------------------------------------------------------------------

COMMANDS = documented_commands()


@pytest.mark.parametrize("command", COMMANDS, ids=[command.id for command in COMMANDS])
def test_documented_aws_command_is_valid(command: DocCommand) -> None:
    problems = check_command(command.argv, complete=command.complete)
    assert not problems, f"{command.path}:{command.line}: {shlex.join(command.argv)}\n" + "\n".join(
        problems
    )


def test_the_extractor_finds_the_documented_commands() -> None:
    per_file: dict[str, int] = {}
    for command in COMMANDS:
        per_file[command.path] = per_file.get(command.path, 0) + 1
    # What the docs held when this test was written; fewer means the extractor broke.
    assert len(COMMANDS) >= 50, per_file
    assert per_file.get("docs/TROUBLESHOOTING.md", 0) >= 30, per_file
    assert per_file.get("docs/MCP.md", 0) >= 3, per_file
    assert per_file.get("docs/DEPLOYMENT.md", 0) >= 8, per_file
    fenced = [command for command in COMMANDS if command.complete]
    assert len(fenced) >= 30, per_file
    # inside `VPC=$(aws ...)`, and a continued line with its options from the second line
    assert any(command.argv[1:3] == ("cloudformation", "list-exports") for command in fenced)
    assert any("--statistics" in command.argv for command in fenced)


def test_extraction_of_shell_constructs() -> None:
    markdown = "\n".join(
        [
            "Run `aws sts get-caller-identity` first.",
            "```bash",
            "export STAGE=dev",
            'ID=$(aws cloudformation list-exports --query "Exports[0]" --output text)',
            "aws lambda invoke --function-name fn-$STAGE \\",
            '  --payload \'{"a": "$NOT_EXPANDED"}\' out.json | cat  # a comment --bogus',
            "python - <<'EOF'",
            "aws not a command inside a heredoc",
            "EOF",
            'aws logs tail "/aws/lambda/${FN}" --since "$(date +%s)" > log.txt',
            "```",
            "```json",
            '{"aws": "aws iam not-shell"}',
            "```",
        ]
    )
    found = [(c.line, c.argv, c.complete) for c in extract_commands("x.md", markdown)]
    assert found == [
        (1, ("aws", "sts", "get-caller-identity"), False),
        (
            4,
            ("aws", "cloudformation", "list-exports", "--query", "Exports[0]", "--output", "text"),
            True,
        ),
        (
            5,
            (
                "aws",
                "lambda",
                "invoke",
                "--function-name",
                "fn-{STAGE}",
                "--payload",
                '{"a": "$NOT_EXPANDED"}',
                "out.json",
            ),
            True,
        ),
        (10, ("aws", "logs", "tail", "/aws/lambda/{FN}", "--since", SUBSHELL_PLACEHOLDER), True),
    ]


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("aws lambda get-function-configuration --function-nam x", "unknown option --function-nam"),
        ("aws lambda get-function-configurations --function-name x", "no operation"),
        ("aws lambda get-function-configuration --query Environment", "missing required"),
        ("aws ec2 describe-nat-gateways --filters Name=vpc-id,Values=v", "--filters"),
        ("aws dynamodb get-item --table-name t --key {} --max-items 5", "--max-items"),
        ("aws lambda invoke --function-name f", "positional"),
        ("aws lambda get-policy --function-name f extra", "unexpected positional"),
        ("aws s3 get-object --bucket b --key k out", "no AWS CLI service 's3'"),
        ("aws logs tail --since 15m", "positional"),
        ("aws logs tail /aws/lambda/f --since", "takes 1 value"),
        ("aws cloudformation deploy --template-file t.yaml", "missing required --stack-name"),
        ("aws cloudformation wait stack-deleted --stack-name s", "no waiter"),
        ("aws --regoin eu-west-1 sts get-caller-identity", "unknown global option"),
        ("aws nosuchservice do-thing", "no AWS CLI service"),
        ("aws sts get-caller-identity --output txt", "--output 'txt' is not one of"),
        ("aws logs tail g --format brief", "--format 'brief' is not one of"),
        ("aws cloudformation describe-stacks --query 'Stacks[0'", "is not JMESPath"),
        (
            "aws cloudwatch get-metric-statistics --namespace n --metric-name m --start-time t "
            "--end-time t --period 60 --statistics Avg",
            "--statistics 'Avg'",
        ),
    ],
)
def test_the_checker_rejects_wrong_commands(command: str, problem: str) -> None:
    problems = check_command(tuple(shlex.split(command)))
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize(
    "command",
    [
        "aws ec2 describe-nat-gateways --filter Name=vpc-id,Values=v",
        "aws dynamodb update-table --table-name t --no-deletion-protection-enabled",
        "aws cloudformation wait stack-delete-complete --stack-name s",
        "aws lambda invoke --function-name f --payload {} --cli-binary-format raw-in-base64-out o",
        "aws logs filter-log-events --log-group-name g --max-items 5 --page-size 10",
        "aws cloudwatch get-metric-statistics --namespace n --metric-name m --start-time t "
        "--end-time t --period 60 --statistics Average Maximum --dimensions Name=a,Value=b",
        "aws --region eu-west-1 s3 mb s3://bucket",
        "aws s3api get-bucket-location --bucket b",
        "aws dynamodb get-item --cli-input-json file://in.json",
        "aws configure",
        "aws --version",
    ],
)
def test_the_checker_accepts_valid_commands(command: str) -> None:
    assert check_command(tuple(shlex.split(command))) == []


def test_docs_do_not_promise_cli_v1_when_they_need_v2() -> None:
    needs_v2 = sorted({f for c in COMMANDS for f in v2_only_features(c.argv)})
    if not needs_v2:
        return
    for doc in DOC_FILES:
        text = doc.read_text(encoding="utf-8")
        match = re.search(r"AWS CLI v1 (or|and|/) ?v2|AWS CLI v1/v2", text)
        assert match is None, (
            f"{doc.relative_to(ROOT)} says {match.group(0)!r} but the docs use {needs_v2}, "
            "which AWS CLI v1 rejects"
        )

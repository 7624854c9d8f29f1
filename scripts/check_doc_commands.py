"""Check every ``aws ...`` command in README.md and docs/*.md with the AWS CLI's own tables.

No documented command can run here (no AWS account), so each is parsed with the command tree
and argument tables of PyPI's awscli (v1, from ``scripts/tool_venv.sh awscli``; this reruns
itself there), which the CLI builds from botocore's models and its customizations (renamed and
paging options, waiters, ``--cli-input-json``, ``cloudformation deploy``, ``s3 cp``, ...), plus
what only v2 has (``V2_*``; a doc must then not promise that v1 will do). A command is wrong
when it names no such service, command or waiter, gives an unknown option (abbreviations too),
a value outside its choices or enum or a ``--query`` that is not JMESPath, or lacks a required
option or positional argument (not demanded of inline code spans, often fragments). Commands
are read from fenced shell blocks (lines joined, heredocs skipped, ``$(...)`` read too) and
inline code spans. ``python -m scripts.check_doc_commands [DOC.md ...] [--command C] [--json]``
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", *(f"docs/{path.name}" for path in sorted(ROOT.glob("docs/*.md")))]
# AWS CLI v2's additions in the CLI's ARG_TABLE format, from the v2 sources: global options
# (awscli/data/cli.json) and the commands of customizations/logs/tail.py and sso/login.py.
FLAG = {"action": "store_true"}
V2_OPTIONS: list[dict[str, Any]] = [
    {"name": "cli-binary-format", "choices": ["base64", "raw-in-base64-out"]},
    {"name": "output", "choices": ["json", "text", "table", "yaml", "yaml-stream"]},
    *({"name": n, **FLAG} for n in ("no-cli-pager", "cli-auto-prompt", "no-cli-auto-prompt")),
]
V2_COMMANDS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("logs", "tail"): [
        {"name": "group_name", "positional_arg": True},
        *({"name": n} for n in ("since", "filter-pattern", "log-stream-name-prefix")),
        {"name": "format", "choices": ["detailed", "short", "json", "none"]},
        {"name": "log-stream-names", "nargs": "+"},
        {"name": "follow", **FLAG},
    ],
    ("sso", "login"): [{"name": "sso-session"}]
    + [{"name": n, **FLAG} for n in ("no-browser", "use-device-code")],
}
PROMISES_V1 = re.compile(r"AWS CLI v1 (or|and|/) ?v2|AWS CLI v1/v2")
FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "console", "zsh"})
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
INLINE_AWS = re.compile(r"`(aws\s[^`]+)`")
SUBSHELL = re.compile(r"\$\(((?:[^()]|\([^()]*\))*)\)")  # $(...), with (...) inside it
PLACEHOLDER = re.compile("[$\N{HORIZONTAL ELLIPSIS}]")  # a shell variable or an elided value
OPERATORS = frozenset("();<>|&")
#: A quoted string (kept as it is), or the descriptor of a redirection (``2>/dev/null``,
#: ``2>&1``): the shell's, which the lexer would otherwise hand on as an argument ``2``.
REDIRECTED_DESCRIPTOR = re.compile(r"""('[^']*'|"(?:\\.|[^"\\])*")|(?<!\S)\d+(?=[<>])""")


def aws_invocations(line: str) -> Iterator[tuple[str, ...]]:
    """Every ``aws ...`` argv of one logical shell line, those inside ``$(...)`` included (a
    substitution is one word, ``$SUBSHELL``, as the shell substitutes it before splitting)."""
    for body in SUBSHELL.findall(line):
        yield from aws_invocations(body)
    line = REDIRECTED_DESCRIPTOR.sub(lambda match: match[1] or "", SUBSHELL.sub("$SUBSHELL", line))
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    tokens = iter(lexer)
    for token in tokens:
        if set(token) <= OPERATORS and set(token) & set("<>"):
            next(tokens, None)  # a redirection and its target
        elif set(token) <= OPERATORS:
            commands.append([])  # |, &&, ;, ...
        else:
            commands[-1].append(token)
    for words in commands:
        start = next((i for i, w in enumerate(words) if not re.match(r"\w+=|time$|sudo$", w)), 0)
        if words[start : start + 1] == ["aws"]:
            yield tuple(words[start:])


def extract_commands(markdown: str) -> Iterator[tuple[int, tuple[str, ...], bool]]:
    """(line, argv, complete) of every ``aws`` command of a markdown text: complete is False
    for an inline code span in prose, often a fragment such as ``aws cloudformation deploy``."""
    fence, shell, heredoc, pending, start = "", False, "", "", 0
    for number, text in enumerate(markdown.splitlines(), start=1):
        match = FENCE.match(text)
        if not fence and match:
            fence, shell = match[1], match[2].lower() in SHELL_LANGUAGES
        elif not fence:
            spans = INLINE_AWS.findall(text)
            yield from ((number, argv, False) for span in spans for argv in aws_invocations(span))
        elif match and match[1] == fence:
            fence, heredoc, pending = "", "", ""
        elif heredoc:  # skipped up to its delimiter
            heredoc = "" if text.strip() == heredoc else heredoc
        elif shell and text.rstrip().endswith("\\"):  # continued on the next line
            pending, start = pending + text.rstrip()[:-1] + " ", start if pending else number
        elif shell:
            line, start, pending = (pending + text).strip(), start if pending else number, ""
            heredoc = heredoc_start[2] if (heredoc_start := HEREDOC.search(line)) else ""
            argvs = aws_invocations(line.removeprefix("$ "))
            yield from ((start, argv, True) for argv in argvs)


def refuse(message: str) -> NoReturn:
    """Stop checking a command: the CLI would refuse it for ``message``."""
    raise argparse.ArgumentError(None, message)


def close(word: str, choices: Iterable[str]) -> str:
    """`` (closest?)`` when one of ``choices`` is close to ``word``, else nothing."""
    matches = difflib.get_close_matches(word, list(choices), n=1)
    return f" ({matches[0]}?)" if matches else ""


class Parser(argparse.ArgumentParser):
    """argparse as the CLI builds it from an argument table (each argument adds itself), but
    taking no abbreviation, converting no value (a doc's value may be a shell variable) and
    leaving required options to ``AwsCli.check``: a missing one then hides no other problem."""

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__(add_help=False, allow_abbrev=False)
        self.table, self.dests = table, {}
        for self.name, argument in table.items():
            argument.add_to_parser(self)

    def add_argument(self, *names: Any, **kwargs: Any) -> Any:
        kept = {key: value for key, value in kwargs.items() if key not in ("required", "type")}
        action = super().add_argument(*names, **kept)
        self.dests[self.name] = action.dest
        return action

    def error(self, message: str) -> NoReturn:
        refuse(message)

    def values(self, words: list[str]) -> tuple[dict[str, Any], list[str]]:
        """Each argument's value (None: not given), and the words no argument took."""
        parsed, extra = self.parse_known_args(words)
        return {name: getattr(parsed, dest) for name, dest in self.dests.items()}, extra


class AwsCli:
    """The installed AWS CLI's command tree; it checks a command with v2's additions or not."""

    def __init__(self) -> None:
        import jmespath
        from awscli.arguments import CustomArgument
        from awscli.clidriver import create_clidriver
        from awscli.customizations.arguments import OverrideRequiredArgsArgument

        def table(arguments: Iterable[dict[str, Any]]) -> dict[str, Any]:
            return {argument["name"]: CustomArgument(**argument) for argument in arguments}

        driver = create_clidriver()
        self.commands = driver._get_command_table()
        v1 = driver._get_argument_table() | table(  # --version is parsed here, not printed
            [{"name": "service", "positional_arg": True, "nargs": "?"}, {"name": "version", **FLAG}]
        )
        self.globals = {False: v1, True: v1 | table(V2_OPTIONS)}
        self.v2_commands = {key: table(arguments) for key, arguments in V2_COMMANDS.items()}
        self.replaces_required, self.jmespath = OverrideRequiredArgsArgument, jmespath

    def leaf(self, service: str, words: list[str], v2: bool) -> tuple[dict[str, Any], list[str]]:
        """The argument table of the command ``words`` name under ``service`` (``invoke``,
        ``wait stack-delete-complete``, ``deploy``) and the words left for it."""
        node, path = self.commands[service], f"aws {service}"
        while words and not words[0].startswith("-"):
            if v2 and (service, words[0]) in self.v2_commands:
                return self.v2_commands[(service, words[0])], words[1:]
            if hasattr(node, "subcommand_table"):  # a hand-written command (`wait` too)
                table = node.subcommand_table
            else:  # a service's operations; an operation has none
                table = node._get_command_table() if hasattr(node, "_get_command_table") else {}
            if words[0] in table:
                node, path, words = table[words[0]], f"{path} {words[0]}", words[1:]
            elif table:
                noun = "waiter" if path.endswith(" wait") else "command"
                refuse(f"{path} has no {noun} {words[0]!r}" + close(words[0], table))
            else:
                break
        if hasattr(node, "_get_command_table"):  # a service, named with no operation
            refuse(f"no command after {path!r}")
        return node.arg_table, words

    def check(self, argv: tuple[str, ...], complete: bool = True, v2: bool = True) -> list[str]:
        """Why the CLI would refuse ``argv`` (``aws ...``); empty when it would take it."""
        main, problems, table, values = Parser(self.globals[v2]), [], {}, {}
        try:
            given, words = main.values(list(argv[1:]))
            if (service := given["service"]) in self.commands:
                table, words = self.leaf(service, words, v2)
                values, words = Parser(table).values(words)
            elif service:  # then only the words before it are checked
                problems = [f"no AWS CLI service {service!r}" + close(service, self.commands)]
                words = list(argv[1 : argv.index(service)])
            elif not given["version"]:
                problems = ["no service"]
        except argparse.ArgumentError as problem:
            fragment = not complete and str(problem).startswith("the following arguments are")
            return [] if fragment else [str(problem)]
        known = [argument.cli_name for argument in [*table.values(), *main.table.values()]]
        unknown = [word.partition("=")[0] for word in words if word.startswith("-")]
        problems += [f"unknown option {name}" + close(name, known) for name in unknown]
        if words and not unknown:
            problems.append(f"unexpected positional argument(s) {words}")
        problems += [p for name, arg in table.items() for p in enum_problems(arg, values[name])]
        try:
            self.jmespath.compile(given["query"] or "@")
        except self.jmespath.exceptions.JMESPathError as error:
            why = " ".join(str(error).split())
            problems.append(f"--query {given['query']!r} is not JMESPath: {why}")
        given_args = [table[name] for name, value in values.items() if value is not None]
        if complete and not any(isinstance(arg, self.replaces_required) for arg in given_args):
            problems += [
                f"missing required {arg.cli_name}"
                for arg in table.values()
                if arg.required and arg.cli_name.startswith("--") and arg not in given_args
            ]
        return problems


def enum_problems(argument: Any, value: Any) -> list[str]:
    """The values given to an option that the enum of the member it sets lacks."""
    model = getattr(argument, "argument_model", None)
    enum = getattr(getattr(model, "member", model), "enum", None) or []
    return [
        f"{argument.cli_name} {v!r} is not one of {sorted(enum)}"
        for v in (value if isinstance(value, list) else [value])
        if enum and isinstance(v, str) and not PLACEHOLDER.search(v) and v not in enum
    ]


def main(argv: list[str] | None = None) -> int:
    """Check the docs (or the docs or commands given); exit status 1 when one is wrong."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("docs", nargs="*", help="markdown files (default: README.md, docs/)")
    parser.add_argument("--command", action="append", default=[], help="check this instead")
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("awscli") is None:  # .venv: its botocore is not the CLI's
        venv = subprocess.run(
            [ROOT / "scripts" / "tool_venv.sh", "awscli"], stdout=subprocess.PIPE, check=True
        )
        python = Path(venv.stdout.decode().strip(), "bin", "python")
        rerun = [python, __file__, *(sys.argv[1:] if argv is None else argv)]
        return subprocess.run(rerun, check=False).returncode
    paths = {doc: Path(doc) for doc in args.docs} or {doc: ROOT / doc for doc in DOCS}
    texts = {doc: path.read_text("utf-8") for doc, path in paths.items() if not args.command}
    commands = [(doc, *found) for doc, text in texts.items() for found in extract_commands(text)]
    commands += [("--command", n, tuple(shlex.split(c)), True) for n, c in enumerate(args.command)]
    cli, wrong, needs_v2 = AwsCli(), [], False
    for doc, line, words, complete in commands:  # and whether a valid command needs v2
        if problems := cli.check(words, complete):
            wrong.append(dict(where=f"{doc}:{line}", command=shlex.join(words), problems=problems))
        else:
            needs_v2 = needs_v2 or bool(cli.check(words, complete, v2=False))
    for doc, text in texts.items():
        if needs_v2 and (match := PROMISES_V1.search(text)):
            problem = f"says {match[0]!r}, but a documented command needs AWS CLI v2"
            wrong.append(dict(where=doc, command="", problems=[problem]))
    for entry in [] if args.json else wrong:
        print(f"{entry['where']}: {entry['command']}", *entry["problems"], sep="\n    ")
    print(json.dumps(wrong) if args.json else f"{len(commands)} aws commands, {len(wrong)} wrong")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

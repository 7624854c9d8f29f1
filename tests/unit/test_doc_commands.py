"""The doc-runner's reading of the docs: markers on every shell block, outputs compared fairly.

``tests/integration/test_docs_local_commands.py`` runs the blocks; these check, without running
anything, that no shell block escapes both checks, that every Lambda function has a documented
``make invoke`` example, and that the comparison accepts only what it should.
"""

from __future__ import annotations

import re

import pytest

from infra.permissions import FUNCTIONS
from tests.doc_commands import RUN_DOCS, doc_blocks, marker_problems, matches, parse_blocks

CARD = (
    '{"card_id":"CARD001","status":"locked","request_id":"3f1c9a2e-7b4d-4e8f-9a1b-2c3d4e5f6a7b",'
    '"at":"2026-12-01T21:04:05.123Z"}'
)


@pytest.mark.parametrize("doc", RUN_DOCS)
def test_every_shell_block_says_whether_it_runs_locally_or_on_aws(doc: str) -> None:
    assert marker_problems(doc_blocks(doc)) == []


def test_every_lambda_function_has_a_documented_make_invoke_example() -> None:
    documented = set()
    for doc in RUN_DOCS:
        for block in doc_blocks(doc):
            if block.marker == "local":
                documented |= set(re.findall(r"make invoke FUNCTION=(\w+)", block.text))
    assert documented == {f.chalice_name for f in FUNCTIONS}


def test_markers_and_outputs_are_read_from_the_lines_around_the_fences() -> None:
    markdown = """intro

<!-- doc-test: local -->
```bash
echo hi
```
<!-- doc-test: output -->
```
hi
```

1. a step

   <!-- doc-test: aws -->
   ```bash
   aws sts get-caller-identity
   ```

```bash
unmarked
```
"""
    local, output, aws, unmarked = parse_blocks("x.md", markdown)
    assert (local.marker, local.line, local.text) == ("local", 4, "echo hi")
    assert local.expected is output
    assert output.text == "hi"
    assert (aws.marker, aws.text) == ("aws", "aws sts get-caller-identity")
    assert unmarked.marker is None
    assert marker_problems([local, output, aws, unmarked]) == [
        "x.md:19: shell block without a doc-test marker ('')"
    ]


def test_an_identical_output_matches_and_any_other_does_not() -> None:
    assert matches(CARD, CARD)
    assert not matches(CARD, CARD.replace("locked", "active"))
    assert not matches(CARD, CARD.replace("CARD001", "CARD002"))
    assert not matches(CARD, CARD + "\nmore")
    assert not matches("", "anything")


def test_run_to_run_values_are_compared_by_shape() -> None:
    other_run = CARD.replace("3f1c9a2e", "0a0b0c0d").replace("21:04:05.123", "23:59:01.9")
    assert matches(CARD, other_run)
    assert matches('"card_id":"CARD0123456789ABCDEF"', '"card_id":"CARDFEDCBA9876543210"')
    assert matches("ships by 2026-12-03.", "ships by 2027-01-05.")
    assert not matches("ships by 2026-12-03.", "ships by soon.")


def test_three_dots_stand_for_any_text() -> None:
    assert matches('{"openapi":"3.1.0",...}', '{"openapi":"3.1.0","info":{"title":"x"}}')
    assert matches("first\n...\nlast", "first\nsecond\nthird\nlast")
    assert not matches('{"openapi":"3.1.0",...}', '{"openapi":"3.0.3","info":{}}')

"""Fast checks of the Chalice config, the quick-path policy files and the merge template."""

from __future__ import annotations

import copy
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from chalicelib.publishing.detail import bus_name
from chalicelib.settings import STREAM_ARN_UNSET, Settings, deploy_stream_arn
from chalicelib.store import tables
from infra import app_template, chalice_policies
from infra.permissions import FUNCTIONS, by_chalice_name
from scripts import check_template, package_bytecode

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))


def test_config_turns_off_generated_policies() -> None:
    assert CONFIG["autogen_policy"] is False
    assert CONFIG["app_name"] == "betterbank-card-operations"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stage_names_its_own_tables(stage: str) -> None:
    env = CONFIG["stages"][stage]["environment_variables"]
    for variable, table in tables.table_names(stage).items():
        assert env[variable] == table
    assert "DYNAMODB_ENDPOINT" not in env


def test_local_stage_leaves_tables_and_endpoint_to_the_shell() -> None:
    """``chalice local`` lets the stage config win over the shell: the local stage sets no table
    or endpoint, so ``make dev`` (and a user's ``DYNAMODB_ENDPOINT``) decide, and the settings'
    defaults are the local table names."""
    env = CONFIG["stages"]["local"]["environment_variables"]
    assert not set(tables.table_names("local")) & set(env)
    assert "DYNAMODB_ENDPOINT" not in env
    defaults = Settings.from_environ({})
    assert defaults.customers_table == tables.table_name("customers", "local")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_function_has_its_own_policy_file(stage: str) -> None:
    functions = CONFIG["stages"][stage]["lambda_functions"]
    files = set()
    for function in FUNCTIONS:
        policy_file = functions[function.chalice_name]["iam_policy_file"]
        assert (ROOT / ".chalice" / policy_file).is_file()
        files.add(policy_file)
    assert len(files) == len(FUNCTIONS)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_publisher_puts_events_on_its_stages_bus(stage: str) -> None:
    publisher = CONFIG["stages"][stage]["lambda_functions"]["publish_card_events"]
    assert publisher["environment_variables"]["CARD_EVENTS_BUS"] == bus_name(stage)


def test_quick_path_publisher_reads_only_its_stream_and_puts_only_on_its_bus() -> None:
    publisher = by_chalice_name("publish_card_events")
    for stage in chalice_policies.STAGES:
        policy = chalice_policies.quick_path_policy(publisher, stage)
        resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
        table = tables.table_name("card_events", stage)
        assert resources["ReadCardEventsStream"] == f"arn:aws:dynamodb:*:*:table/{table}/stream/*"
        assert resources["PutCardEvents"].endswith(f":event-bus/{bus_name(stage)}")
        assert not any(s["Sid"].startswith("DynamoDb") for s in policy["Statement"])


def test_importing_app_wires_the_publisher_to_a_named_stream_only() -> None:
    assert deploy_stream_arn({}) == STREAM_ARN_UNSET
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/betterbank-card-events-dev/stream/x"
    assert deploy_stream_arn({"CARD_EVENTS_STREAM_ARN": arn}) == arn


@pytest.mark.parametrize("stage", ["local", "dev", "prod"])
def test_connect_lambda_answers_within_connects_limit(stage: str) -> None:
    timeout = CONFIG["stages"][stage]["lambda_functions"]["connect_update_session_data"]
    assert timeout["lambda_timeout"] <= 7  # Connect gives up after 8 s


def test_committed_policy_files_match_the_permission_table() -> None:
    # GIVEN the policies infra.permissions implies WHEN compared to .chalice/ THEN no drift
    for name, text in chalice_policies.render_all().items():
        committed = (ROOT / ".chalice" / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run python -m infra.chalice_policies"


def test_committed_config_names_every_function_and_its_policy_file() -> None:
    # GIVEN the functions infra.permissions lists WHEN config.json is rendered THEN no drift
    committed = (ROOT / ".chalice" / "config.json").read_text(encoding="utf-8")
    stale = "config.json is stale: run python -m infra.chalice_policies"
    assert chalice_policies.render_config(CONFIG) == committed, stale
    assert chalice_policies.committed_policy_files() == set(chalice_policies.render_all()), stale


def test_rendering_the_config_adds_and_drops_functions_and_keeps_their_settings() -> None:
    # GIVEN a config missing one function and naming one that is gone
    config = copy.deepcopy(CONFIG)
    dev = config["stages"]["dev"]["lambda_functions"]
    del dev["mcp_list_cards"]
    dev["mcp_gone"] = {"iam_policy_file": "policy-mcp-gone-dev.json"}
    dev["connect_update_session_data"]["iam_policy_file"] = "policy-renamed.json"
    # WHEN rendered THEN it is the committed one: the timeouts and variables kept as written
    assert json.loads(chalice_policies.render_config(config)) == CONFIG


def test_quick_path_policies_never_grant_wildcard_actions_or_tables() -> None:
    for text in chalice_policies.render_all().values():
        for statement in json.loads(text)["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                assert "*" not in action
                if action.startswith("dynamodb:"):
                    assert "table/betterbank-" in str(statement["Resource"])


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_merge_template_imports_what_the_vpc_stack_exports(stage: str) -> None:
    vpc = (ROOT / "infra" / "vpc.yaml").read_text(encoding="utf-8")
    rendered = json.dumps(app_template.render(stage))
    for export in ("PrivateSubnet1", "PrivateSubnet2", "LambdaSecurityGroup"):
        assert f"betterbank-vpc-{stage}-{export}" in rendered
        assert f"Name: !Sub betterbank-vpc-${{Stage}}-{export}" in vpc


def test_vpc_template_passes_cfn_lint() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), str(ROOT / "infra" / "vpc.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode & 2 == 0, result.stdout


def test_two_intrinsics_in_one_object_are_found() -> None:
    template = {
        "Resources": {
            "Fn": {
                "Properties": {
                    "Role": {"Fn::GetAtt": ["A", "Arn"], "Fn::Sub": "x"},
                    "Env": [{"Ref": "T", "Extra": 1}],
                    "Fine": {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]},
                }
            }
        }
    }
    found = list(check_template.mixed_intrinsics(template))
    assert len(found) == 2
    assert "/Resources/Fn/Properties/Role" in found[0]
    assert "/Resources/Fn/Properties/Env[0]" in found[1]


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


SOURCES = ("app.py", "chalicelib/__init__.py", "mcp_handlers/__init__.py")
GOOD_MEMBERS = {
    **{source: "" for source in SOURCES},
    **{package_bytecode.bytecode_name(source): "" for source in SOURCES},
    "pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so": "",
    "pydantic_core-2.50.4.dist-info/WHEEL": "Tag: cp311-cp311-manylinux_2_17_x86_64\n",
}


def test_zip_check_accepts_a_complete_package(tmp_path: Path) -> None:
    assert check_template.zip_problems(_zip(tmp_path / "d.zip", GOOD_MEMBERS)) == []


def test_zip_check_rejects_a_source_without_its_bytecode(tmp_path: Path) -> None:
    members = dict(GOOD_MEMBERS)
    del members[package_bytecode.bytecode_name("chalicelib/__init__.py")]
    problems = check_template.zip_problems(_zip(tmp_path / "d.zip", members))
    assert problems == ["1 sources without bytecode, e.g. chalicelib/__init__.py"]


def test_zip_check_rejects_boto3_and_a_macos_pydantic_core(tmp_path: Path) -> None:
    members = {k: v for k, v in GOOD_MEMBERS.items() if not k.startswith("mcp_handlers")}
    members["botocore/__init__.py"] = ""
    members["pydantic_core-2.50.4.dist-info/WHEEL"] = "Tag: cp311-cp311-macosx_11_0_arm64\n"
    problems = check_template.zip_problems(_zip(tmp_path / "d.zip", members))
    assert any("mcp_handlers" in p for p in problems)
    assert any("botocore" in p for p in problems)
    assert any("manylinux" in p for p in problems)


def test_asking_the_policy_writer_for_help_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = {path.name: path.read_bytes() for path in chalice_policies.CHALICE_DIR.glob("*.json")}
    with pytest.raises(SystemExit) as stopped:
        chalice_policies.main(["--help"])
    assert stopped.value.code == 0
    assert "Takes no arguments" in capsys.readouterr().out
    after = {path.name: path.read_bytes() for path in chalice_policies.CHALICE_DIR.glob("*.json")}
    assert after == before

"""The operator's path, offline: the CDK CLI (infra/node_modules) synthesizes both stages from infra/cdk.json, the
output passes cfn-lint, and the Lambda bundle it would upload holds the app, not the CDK."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from .helpers import CHINA, GLOBAL, INFRA, QUIET_ENV, ROOT, only

CDK = INFRA / "node_modules" / ".bin" / "cdk"
CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"
NOT_IN_BUNDLE = ("aws_cdk", "constructs", "jsii", "cfnlint", "samtranslator", "node_modules", "infra", "tests",
                 "pytest", "moto")


def _offline_env(region: str) -> dict:
    """No credentials and no account: synth must not need them (nor reach for instance metadata)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    return {**env, **QUIET_ENV, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}


def lint(paths: list[Path], region: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CFN_LINT), "--regions", region, "--", *map(str, paths)], env=_offline_env(region),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cloud_assembly(tmp_path_factory) -> dict:
    if not CDK.exists():
        pytest.fail(f"{CDK} is missing: run bash infra/setup.sh", pytrace=False)
    out = tmp_path_factory.mktemp("cdk") / "cdk.out"
    started = time.monotonic()
    run = subprocess.run([str(CDK), "synth", "--quiet", "--no-notices", "--output", str(out)], cwd=INFRA,
                         env=_offline_env(CHINA), capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        pytest.fail(f"cdk synth failed ({run.returncode}):\n{run.stdout}\n{run.stderr}", pytrace=False)
    print(f"cdk synth (dev + prod): {seconds:.1f} s")
    return {"out": out, "stdout": run.stdout + run.stderr,
            "templates": {stage: out / f"{stage}.template.json" for stage in ("dev", "prod")}}


def test_cdk_synth_builds_dev_and_prod_from_one_code_path(cloud_assembly):
    manifest = json.loads((cloud_assembly["out"] / "manifest.json").read_text())
    stacks = {name: a["properties"]["stackName"] for name, a in manifest["artifacts"].items()
              if a["type"] == "aws:cloudformation:stack"}
    assert stacks == {"dev": "labor-filing-dev", "prod": "labor-filing-prod"}
    for stage, path in cloud_assembly["templates"].items():
        t = json.loads(path.read_text())
        _, table = only(t, "AWS::DynamoDB::Table")
        assert table["Properties"].get("DeletionProtectionEnabled", False) is (stage == "prod")
    # cdk.json still holds placeholder domains: synth says so, loudly, for each stage
    assert cloud_assembly["stdout"].count("placeholders of infra/cdk.json") >= 2


def test_both_stages_pass_cfn_lint(cloud_assembly):
    started = time.monotonic()
    run = lint(list(cloud_assembly["templates"].values()), CHINA)
    print(f"cfn-lint (dev + prod, {CHINA}): {time.monotonic() - started:.1f} s")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_global_region_variant_passes_cfn_lint(global_prod, tmp_path):
    path = tmp_path / "prod-global.template.json"
    path.write_text(json.dumps(global_prod.json))
    run = lint([path], GLOBAL)
    assert run.returncode == 0, run.stdout + run.stderr


def test_cfn_lint_is_really_checking(cloud_assembly, tmp_path):
    """The same template with one wrong value must fail: the lint step above is not a no-op."""
    t = json.loads(cloud_assembly["templates"]["prod"].read_text())
    broken = copy.deepcopy(t)
    table_id, _ = only(broken, "AWS::DynamoDB::Table")
    broken["Resources"][table_id]["Properties"]["BillingMode"] = "ON_DEMAND"  # not a DynamoDB billing mode
    path = tmp_path / "broken.template.json"
    path.write_text(json.dumps(broken))
    run = lint([path], CHINA)
    assert run.returncode != 0 and "ON_DEMAND" in run.stdout, run.stdout


def test_the_lambda_bundle_holds_the_app_and_no_cdk(cloud_assembly):
    """The zip the stacks upload (their only code asset) is chalice's package of the app."""
    out = cloud_assembly["out"]
    for stage in ("dev", "prod"):
        assets = json.loads((out / f"{stage}.assets.json").read_text())["files"].values()
        zips = [out / a["source"]["path"] for a in assets if a["source"]["path"].endswith(".zip")]
        assert len(zips) == 1, zips
        with zipfile.ZipFile(zips[0]) as zf:
            names = zf.namelist()
        tops = {n.split("/", 1)[0].split("-", 1)[0].lower() for n in names}
        assert {"app.py", "chalicelib", "templates", "jinja2", "pydantic"} <= tops, sorted(tops)[:40]
        assert not tops & set(NOT_IN_BUNDLE), sorted(tops & set(NOT_IN_BUNDLE))
        # compiled modules are built for the functions' runtime (filing_stack.LAMBDA_RUNTIME), not the synth's Python
        native = [n for n in names if n.endswith(".so") and ".cpython-" in n]
        assert {n.split("/", 1)[0] for n in native} >= {"pydantic_core", "orjson"}, native
        assert all(".cpython-312-x86_64-linux-gnu.so" in n for n in native), native

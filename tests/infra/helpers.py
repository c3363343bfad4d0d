"""Helpers of the infra tier: stage settings, in-process synthesis, template readers."""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
# jsii (the bridge CDK runs on) shouts about the Node.js version on every start; the CLI tests pass the same.
# No credentials here: the SDKs must not go looking for an instance-metadata endpoint, nor the CLI phone home.
QUIET_ENV = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "AWS_EC2_METADATA_DISABLED": "true",
             "CDK_DISABLE_CLI_TELEMETRY": "true"}
CHINA, GLOBAL = "cn-north-1", "ap-southeast-1"


def load_infra_module(name: str):
    """infra/<name>.py as module <name>, without putting infra/ on sys.path (its app.py would shadow the
    Chalice app.py that other tiers import)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, INFRA / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def require_infra_packages() -> None:
    try:
        import aws_cdk  # noqa: F401
        import chalice.cdk.construct  # noqa: F401
    except ImportError as e:
        pytest.fail(f"the CDK packages are missing ({e}): run bash infra/setup.sh", pytrace=False)
    load_infra_module("filing_stack")


def settings(stage: str, region: str, **overrides):
    from filing_stack import StageSettings
    values = dict(name=stage, base_url=f"https://ba-{stage}.example.cn/", mail_from=f"noreply@mail-{stage}.example.cn",
                  region=region)
    values.update(overrides)
    values["base_url"] = values["base_url"].rstrip("/")
    return StageSettings(**values)


def cdk_context() -> dict:
    return json.loads((INFRA / "cdk.json").read_text())["context"]


def synth(workdir: Path, stage_settings, source_dir: Path = ROOT) -> SimpleNamespace:
    """One stack, synthesized with cdk.json's context in a scratch folder (the construct writes ./chalice.out)."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template
    from filing_stack import LaborFilingStack
    workdir.mkdir(parents=True, exist_ok=True)
    app = cdk.App(outdir=str(workdir / "cdk.out"), context=cdk_context())
    # `chalice package` imports the app as module `app` (cached in sys.modules), puts its folder on sys.path and
    # copies the stage's environment variables (BACKEND=aws, ...) into os.environ: undo that afterwards, so
    # neither the next synth nor the other tiers see it. The repo's own app module stays cached (importing
    # app.py twice registers its blueprints twice, which Chalice refuses); another app is swapped in and out.
    here, saved_env, saved_path = os.getcwd(), dict(os.environ), list(sys.path)
    other_app = Path(source_dir).resolve() != ROOT
    saved_app = sys.modules.pop("app", None) if other_app else None
    if not other_app:  # the tiers' own app (embedded) first, or `chalice package` would leave one of BACKEND=aws
        importlib.import_module("app")
    os.chdir(workdir)
    try:
        os.environ["AWS_DEFAULT_REGION"] = stage_settings.region  # chalice package wants one; calls no AWS
        stack = LaborFilingStack(app, stage_settings, source_dir=source_dir)
        template = Template.from_stack(stack)
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        if other_app:
            sys.modules.pop("app", None)
            if saved_app is not None:
                sys.modules["app"] = saved_app
    return SimpleNamespace(stack=stack, template=template, json=template.to_json(), settings=stage_settings)


def resources(t: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in t["Resources"].items() if v["Type"] == kind}


def only(t: dict, kind: str) -> tuple[str, dict]:
    found = resources(t, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.items()))


def functions(t: dict) -> dict[str, dict]:
    return resources(t, "AWS::Serverless::Function")


def allow_statements(t: dict) -> list[dict]:
    """Every Allow statement of every IAM policy in the template (inline role policies included)."""
    docs = [p["Properties"]["PolicyDocument"] for p in resources(t, "AWS::IAM::Policy").values()]
    for role in resources(t, "AWS::IAM::Role").values():
        docs += [p["PolicyDocument"] for p in role["Properties"].get("Policies", [])]
    return [s for d in docs for s in d["Statement"] if s["Effect"] == "Allow"]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]

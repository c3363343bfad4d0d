"""`chalice package` builds the Lambda zip with what the app needs at run time and no dev tools.

Runs .venv/bin/chalice from the repo root (Chalice downloads manylinux wheels from PyPI for the zip; it caches
the dependency part under .chalice/deployments/, which is gitignored).

Chalice needs an AWS region even to package (it never calls AWS here): AWS_DEFAULT_REGION is set if missing.
The default CloudFormation format is used, as the CDK construct does.
"""
from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICE = ROOT / ".venv" / "bin" / "chalice"
REQUIRED = ("app.py", "templates/base.html", "chalicelib/reference/shanxi_divisions.csv",
            "chalicelib/reference/fonts/wqy-microhei.ttf")  # the receipts' font (docs/rules.md §14)
DEV_TOOLS = ("pytest", "_pytest", "moto", "playwright", "schemathesis", "hypothesis", "pytest_localstack",
             "aws_cdk", "constructs", "jsii", "cfnlint",  # these four: infra/requirements.txt
             "python_calamine",  # the reading anchor of tests and bench/
             "pypdf", "zxingcpp")  # tests read the receipts back


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> dict:
    if not CHALICE.exists():
        pytest.fail(f"{CHALICE} is missing: run scripts/setup.sh", pytrace=False)
    out = tmp_path_factory.mktemp("chalice-package") / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION") or "cn-north-1"}
    run = subprocess.run([str(CHALICE), "package", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        pytest.fail(f"chalice package failed ({run.returncode}):\n{run.stdout}\n{run.stderr}", pytrace=False)
    archive = out / "deployment.zip"
    assert archive.exists(), sorted(p.name for p in out.iterdir())
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        templates = {n for n in names if n.startswith("templates/")}
        base_html = zf.read("templates/base.html") if "templates/base.html" in names else b""
    return {"archive": archive, "names": set(names), "templates": templates, "base_html": base_html, "out": out}


def test_the_zip_holds_the_app_its_templates_and_reference_data(package):
    names = package["names"]
    missing = [n for n in REQUIRED if n not in names]
    assert not missing, f"not in deployment.zip: {missing}"
    # every template in the repo made it (through the vendor/templates symlink), with its content
    repo_templates = {f"templates/{p.name}" for p in (ROOT / "templates").glob("*.html")}
    assert repo_templates <= package["templates"], repo_templates - package["templates"]
    assert package["base_html"] == (ROOT / "templates" / "base.html").read_bytes()
    assert "chalicelib/web/pages/home.py" in names and "chalicelib/reference/codes.json" in names
    assert "chalicelib/reference/aliases.json" in names


def test_the_zip_holds_the_runtime_dependencies(package):
    tops = {n.split("/", 1)[0] for n in package["names"]}
    for module in ("jinja2", "openpyxl", "pydantic", "pydantic_core", "orjson", "itsdangerous",
                   "python_multipart", "chinese_calendar", "fpdf", "fontTools", "PIL", "segno"):
        assert module in tops, f"{module} is not in deployment.zip"
    # compiled wheels are the Lambda (manylinux x86_64) builds
    native = [n for n in package["names"] if n.startswith(("pydantic_core/", "orjson/")) and n.endswith(".so")]
    assert native and all("x86_64-linux" in n or "manylinux" in n or n.endswith(".abi3.so") for n in native), native


def test_no_dev_tools_in_the_zip(package):
    tops = {n.split("/", 1)[0].split("-", 1)[0].lower() for n in package["names"]}
    present = sorted(t for t in DEV_TOOLS if t in tops)
    assert not present, f"dev tools packaged into the Lambda: {present}"
    assert not any(n.startswith(("tests/", "bench/", ".venv/", "infra/")) for n in package["names"])

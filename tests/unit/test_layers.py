"""The house rules that keep the layers apart (docs/architecture.md), checked rather than remembered:
a cold start that stays light, a web layer that only knows services, one place that knows the backend, and
code that cites the project's own documents."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
HEAVY = ("boto3", "botocore", "openpyxl", "pydantic", "jinja2", "python_calamine")


def modules(under: Path = PACKAGE) -> list[Path]:
    return sorted(under.rglob("*.py"))


def test_importing_the_app_loads_no_heavy_library():
    """Lambda cold start: `import app` registers the routes and nothing else; AWS clients, workbooks,
    models and templates load with the first request that needs them."""
    code = f"import sys, app; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "BACKEND": "embedded"})
    assert out.stdout.strip() == "", f"import app loaded: {out.stdout.strip()}"


def imported_names(path: Path) -> list[tuple[str, bool, int]]:
    """(absolute module name, imported inside a function?, line) for every import in the file."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, inner, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = package.split(".")
                name = ".".join(base[:len(base) - child.level + 1] + ([child.module] if child.module else [])) \
                    if child.level else child.module or ""
                found.extend((f"{name}.{alias.name}" if not child.module else name, inner, child.lineno)
                             for alias in child.names)
            visit(child, inner)
    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


@pytest.mark.parametrize("path", modules(PACKAGE / "web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_web_layer_never_imports_adapters(path):
    """Routes call services; which adapters serve them is the composition root's business."""
    assert not [name for name, _, _ in imported_names(path) if name.startswith("chalicelib.adapters")]


def test_only_the_composition_root_knows_the_backend():
    """Nothing outside the composition root, the settings and the operator's command line (and the adapters
    themselves) asks which backend runs."""
    allowed = {PACKAGE / "bootstrap.py", PACKAGE / "settings.py", PACKAGE / "cli.py"}

    def asks(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr in ("embedded", "backend")
                or isinstance(node, ast.Constant) and node.value == "BACKEND"
                or isinstance(node, ast.Name) and node.id in ("SqliteStore", "DynamoStore", "FileBlobStore",
                                                                "S3BlobStore"))
    offenders = [f"{p.relative_to(ROOT)}:{node.lineno}" for p in modules()
                 if p not in allowed and "adapters" not in p.parts
                 for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))) if asks(node)]
    assert not offenders, "\n".join(offenders)


def test_no_standard_library_import_is_deferred_without_a_reason():
    """Function-local imports are for cold start (heavy libraries and the modules that load them); the
    standard library is imported at the top of the module, unless the line says what deferring it saves."""
    offenders = [f"{p.relative_to(ROOT)}:{line}: {name}" for p in [*modules(), ROOT / "app.py"]
                 for name, inner, line in imported_names(p)
                 if inner and name.split(".")[0] in sys.stdlib_module_names
                 and "cold start" not in p.read_text(encoding="utf-8").split("\n")[line - 1]]
    assert not offenders, "\n".join(offenders)


def test_code_cites_only_the_projects_own_documents():
    """A fresh clone has docs/, not the planning files it was first written from, and no issue tracker."""
    outside = re.compile(r"\b(SPEC|API|DESIGN)\.md|\.\./shared|\b[Ii]ssues? #?\d+")
    files = [*modules(), ROOT / "app.py", *(ROOT / "templates").glob("*.html")]
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in files
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if outside.search(line)]
    assert not offenders, "\n".join(offenders)
    cited = {m for p in files for m in re.findall(r"docs/[\w.-]+\.md", p.read_text(encoding="utf-8"))}
    assert cited and all((ROOT / c).exists() for c in cited), sorted(c for c in cited if not (ROOT / c).exists())

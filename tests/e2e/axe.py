"""axe-core in the e2e tier (docs/architecture.md, tests): injected into the page as it is (the contexts bypass
the Content-Security-Policy for this, tests/e2e/conftest.py), run over the whole document; each violation named
with its rule, impact and the first elements it found. `npm ci` in tests/e2e installs axe-core (scripts/test.sh)."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Page, what: str) -> str | None:
    """None when axe finds nothing on the page as it stands, else what it found."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in tests/e2e (scripts/test.sh does it)")
    if page.evaluate("typeof window.axe") != "object":
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                               "v => [v.id, v.impact, v.help, v.nodes.slice(0, 3).map(n => n.target.join(' '))]))")
    if not violations:
        return None
    found = "; ".join(f"{rule} ({impact}: {text}) at {', '.join(targets)}" for rule, impact, text, targets in violations)
    return f"{what}: axe found {len(violations)} violation(s): {found}"

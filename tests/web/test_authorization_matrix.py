"""The authorization matrix: every route in `app.routes` × every role (and anonymous) × an in-scope and an
out-of-scope target, called for real, must be allowed or denied exactly as chalicelib/web/access.py RULES
declares. The cells are generated from the route table, so a route without a rule fails here by name.

The world: a filer of a 小店区 unit; a 小店区 业务操作员; 太原市's system/business administrators, security
officer and auditor; a 太原市 department (data-sharing) account. In-scope targets sit in 小店区 (managed by
太原市): the filer's own filing and unit (and its open request to move to 迎泽区), the reviewer's jurisdiction,
an account and an application 太原市 handles (submitted by that reviewer). Out-of-scope targets
sit in 大同市新荣区 (140212). Denied = 401 or 403 (from the guard or a handler), a page's redirect to sign in,
or any answer the guard marks `X-Access: denied` (its 404 for another unit's filing). Anything else is allowed: a
404/409/422 from a handler means the call got past access control to the use case. A public route is never
denied by the guard; it fails only if it demands a sign-in (its own 403 for a bad signed link is its business)."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib.web.access import RULES, SCOPES
from tests import factories

ROLES = ("filer", "operator", "system_admin", "business_admin", "security", "auditor", "data_sharing", "anonymous")
PASSWORD = "Matrix-Passw0rd"
IN, OUT = "in", "out"
STAFF = {"operator": ("xd-op", "140105"), "system_admin": ("ty-sys", "140100"),
         "business_admin": ("ty-biz", "140100"), "security": ("ty-sec", "140100"), "auditor": ("ty-aud", "140100"),
         "data_sharing": ("ty-share", "140100")}  # a department account of 太原市: reads its division
CSRF = "matrix-csrf-token"


def route_table() -> list[tuple[str, str]]:
    from app import app
    return sorted((method, path) for path, entries in app.routes.items() for method in entries)


def test_every_route_has_exactly_one_access_rule():
    routes = set(route_table())
    missing = sorted(routes - set(RULES))
    stale = sorted(set(RULES) - routes)
    assert not missing, "routes without an access rule; add to chalicelib/web/access.py RULES:\n" + "\n".join(
        f'    ("{m}", "{p}"): allow(<role>=(<permission>, <scope rule>)),  # or PUBLIC / SIGNED_IN'
        for m, p in missing)
    assert not stale, f"rules for routes that no longer exist (remove from access.py RULES): {stale}"


def test_no_route_is_declared_twice():
    """A dict literal silently keeps the last of two equal keys; two rules for one route hide one of them."""
    import ast
    from pathlib import Path

    import chalicelib.web.access as access
    tree = ast.parse(Path(access.__file__).read_text(encoding="utf-8"))
    rules = next(n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and ast.unparse(n.target) == "RULES")
    keys = [ast.unparse(k) for k in rules.keys]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []


def test_a_route_without_a_rule_is_refused_until_it_has_one(container):
    from chalice import Chalice

    from chalicelib.web.access import guard
    app = Chalice(app_name="undeclared")
    app.register_middleware(guard, "http")

    @app.route("/api/v1/undeclared")
    def undeclared():
        return {"reached": True}

    with Client(app) as client:
        response = client.http.get("/api/v1/undeclared")
    assert response.status_code == 403 and "access.py" in response.body.decode()


class World:
    """The principals' tokens and the in/out values of every path parameter."""

    def __init__(self, c):
        from chalicelib.domain.model import Role
        self.c = c
        self.credentials = {}
        for role, (username, division) in STAFF.items():
            c.accounts.create_reviewer(username, PASSWORD, division, username, role=Role(role))
            self.credentials[role] = username
        for username, division in (("xd-target", "140105"), ("dt-target", "140212"), ("dt-op", "140212")):
            c.accounts.create_reviewer(username, PASSWORD, division, username)
        own_filing, own_upload = self._unit_with_filing(1, "140105")
        other_filing, other_upload = self._unit_with_filing(2, "140212")
        self.credentials["filer"] = factories.uscc(1)
        in_app = self._application("xd-op", "xd-new", "140105")
        out_app = self._application("dt-op", "dt-new", "140212")
        self.params = {
            "filing_id": (own_filing, other_filing), "upload_id": (own_upload, other_upload),
            "username": ("xd-target", "dt-target"), "application_id": (in_app, out_app),
            "table": ("table2", "table2"), "index": ("0", "0"), "token": ("not-a-signed-link", "not-a-signed-link"),
            "id_number": ("140105199001010011", "140212199001010011"), "name": ("app.js", "app.js"),
            "export_id": ("0" * 32, "1" * 32),
            "conversation_id": ("0" * 32, "1" * 32),  # 填报助手: public; an id is the key to its conversation
            "uscc": (factories.uscc(1, "140105"), factories.uscc(2, "140212")),
            "transfer_id": (self._transfer(factories.uscc(1, "140105"), "140106"),
                            self._transfer(factories.uscc(2, "140212"), "140200")),
            "person": (self._clerk(factories.uscc(1, "140105"), "13600000001"),
                       self._clerk(factories.uscc(2, "140212"), "13600000002")),
        }
        self.division = {IN: "140105", OUT: "140212"}
        self.tokens: dict[str, str] = {}

    def _unit_with_filing(self, serial: int, division: str) -> tuple[str, str]:
        from chalicelib.services.accounts import Registration
        uscc = factories.uscc(serial, division)
        self.c.accounts.register(Registration.model_validate(factories.registration(
            serial, uscc=uscc, registration_division=division, filer_email=f"m{serial}@example.com")))
        who = self.c.accounts.authenticate(self.c.accounts.login(uscc, "Passw0rd!26")[0])
        filing = self.c.filings.create(who, 2025)
        upload, _ = self.c.filings.start_upload(who, filing.id, "table2", "名册.xlsx")
        people = [factories.person(0, id_number=factories.resident_id(division, "19900101", serial, True),
                                   gender="男")]
        self.c.blobs.put(upload.blob_key, factories.table2_workbook(people))
        self.c.imports.import_blob(upload.blob_key)
        assert self.c.store.get_filing(filing.id).row_sets, self.c.store.get_upload(upload.id)
        return filing.id, upload.id

    def _transfer(self, uscc: str, to_code: str) -> str:
        """A request of the unit itself to move to `to_code` (变更审核机关), left open."""
        who = self.c.accounts.authenticate(self.c.accounts.login(uscc, "Passw0rd!26")[0])
        return self.c.transfers.ask(who, uscc, to_code=to_code, reason="注册地变更").id

    def _clerk(self, uscc: str, mobile: str) -> str:
        """A 经办人 account the unit's 单位管理员 added (docs/rules.md §12)."""
        who = self.c.accounts.authenticate(self.c.accounts.login(uscc, "Passw0rd!26")[0])
        return factories.add_clerk(self.c, who, mobile=mobile).username

    def _application(self, applicant: str, username: str, division: str) -> str:
        who = self.c.accounts.authenticate(self.c.accounts.login(applicant, PASSWORD)[0])
        return self.c.applications.apply(who, {
            "kind": "create", "username": username, "contact_name": "王五", "contact_phone": "0351-1234567",
            "applying_unit": "人社局", "role": "operator", "division": division, "person_name": "赵六",
            "person_unit": "人社局", "person_position": "科员", "person_id_number": "11010519491231002X",
            "person_mobile": "13900000001"}).id

    def password(self, role: str) -> str:
        return "Passw0rd!26" if role == "filer" else PASSWORD

    def token(self, role: str) -> str | None:
        """A valid token for the role (signed in again when a cell signed it out)."""
        from chalicelib.domain.errors import Unauthenticated
        if role == "anonymous":
            return None
        token = self.tokens.get(role)
        try:
            self.c.accounts.authenticate(token)
        except Unauthenticated:
            token = self.tokens[role] = self.c.accounts.login(self.credentials[role], self.password(role))[0]
        return token


def expected(method: str, path: str, role: str, side: str) -> bool:
    rule = RULES[(method, path)]
    if rule.public:
        return True
    grant = rule.grant_for(None if role == "anonymous" else role)
    return grant is not None and (SCOPES[grant.scope] is None or side == IN)


def call(client, world: World, method: str, path: str, role: str, side: str):
    """The request a caller of `role` would make, aimed at the `side` target. Returns (status, location)."""
    index = 0 if side == IN else 1
    url = re.sub(r"\{(\w+)\}", lambda m: world.params[m.group(1)][index], path)
    url += "?" + urlencode({"division": world.division[side]})  # the scope of ?division rules, GET or POST
    token = world.token(role)
    api = path.startswith("/api/")
    login = {"username": world.credentials.get(role, world.credentials["filer"]),
             "password": world.password(role if role != "anonymous" else "filer")}
    headers = {"Accept": "*/*"}
    body = b""
    if api:
        headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method in ("POST", "PUT"):
            body = json.dumps(login if path == "/api/v1/auth/login" else {}).encode()
    else:
        headers["Cookie"] = f"csrf={CSRF}" + (f"; session={token}" if token else "")
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({"csrf": CSRF, **(login if path == "/login" else {})}).encode()
    response = client.http.request(method, url, headers=headers, body=body)
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}


def denied(public: bool, status: int, headers: dict) -> bool:
    to_sign_in = status in (302, 303) and headers.get("location", "").startswith("/login?next=")
    if public:
        return status == 401 or to_sign_in or "x-access" in headers
    return status in (401, 403) or to_sign_in or headers.get("x-access") == "denied"


@pytest.fixture
def world(container):
    return World(container)


def test_authorization_matrix(world, capsys):
    from app import app
    routes = [r for r in route_table() if r in RULES]  # a route without a rule fails the test above, by name
    wrong, cells, allowed = [], 0, 0
    with Client(app) as client:
        for method, path in routes:
            for role in ROLES:
                for side in (IN, OUT):
                    status, headers = call(client, world, method, path, role, side)
                    want = expected(method, path, role, side)
                    cells += 1
                    allowed += want
                    if denied(RULES[(method, path)].public, status, headers) == want:
                        wrong.append(f"{method} {path} as {role}, {side}-scope target: expected "
                                     f"{'allow' if want else 'deny'}, got {status} {headers.get('location', '')}"
                                     .rstrip())
    with capsys.disabled():
        print(f"\nauthorization matrix: {len(routes)} routes × {len(ROLES)} roles × 2 targets = {cells} cells "
              f"({allowed} allowed, {cells - allowed} denied)")
    assert not wrong, f"{len(wrong)} of {cells} cells disagree with access.RULES:\n" + "\n".join(wrong)

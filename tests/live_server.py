"""One real local server (scripts/run-local.sh, embedded backend) shared by the e2e and fuzz tiers.

The server runs in its own process group on a free port with a throw-away DATA_DIR; its output goes to
build/live-server.log. The conftests of tests/e2e and tests/fuzz expose it as the session fixture
`live_server`; the first one to ask starts it, and it is stopped when the session ends (or at exit).
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    base_url: str
    port: int
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen
    logins: dict[str, str] = field(default_factory=dict)  # demo reviewer username → password

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None,
            timeout: float = 30) -> tuple[int, dict | None]:
        """Calls /api/v1<path> with a JSON body; returns (status, parsed JSON or None). A registration without
        its verification_code asks for one first and reads the SMS (docs/rules.md §12)."""
        if (method, path) == ("POST", "/employers/register") and body is not None and "verification_code" not in body:
            self.api("POST", "/employers/register/code", {"mobile": body.get("filer_mobile")})
            body = {**body, "verification_code": self.sms_code(str(body.get("filer_mobile")))}
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/api/v1{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, None

    def sms_code(self, mobile: str, purpose: str = "注册") -> str:
        """The code for `purpose` (注册, 添加经办人, …) sent to `mobile`, from the server's outbox (its local mailbox)."""
        from chalicelib.adapters.embedded.sqlite_store import SqliteStore
        from tests.factories import sms_code
        return sms_code(mobile, purpose, store=SqliteStore(self.data_dir / "filing.db")) or ""

    def login(self, username: str, password: str) -> str:
        status, body = self.api("POST", "/auth/login", {"username": username, "password": password})
        assert status == 200, (status, body)
        return body["token"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/api/v1/openapi.json", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start() -> LiveServer:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="labor-filing-live-"))
    BUILD.mkdir(exist_ok=True)
    log_path = BUILD / "live-server.log"
    env = {**os.environ, "DATA_DIR": str(data_dir), "PORT": str(port), "BASE_URL": base_url,
           "BACKEND": "embedded", "PYTHONUNBUFFERED": "1"}
    env.pop("SECRET_KEY", None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(["bash", "scripts/run-local.sh"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    server = LiveServer(base_url, port, data_dir, log_path, proc)
    deadline = time.monotonic() + START_TIMEOUT
    while not _ready(base_url):
        if proc.poll() is not None or time.monotonic() > deadline:
            why = f"exited with {proc.returncode}" if proc.poll() is not None else f"not up after {START_TIMEOUT:.0f} s"
            server.stop()
            pytest.fail(f"scripts/run-local.sh {why}; server log:\n{server.log()}", pytrace=False)
        time.sleep(0.25)
    logins = json.loads((data_dir / "demo-logins.json").read_text(encoding="utf-8"))
    server.logins = {x["username"]: x["password"] for x in logins}
    return server


_shared: LiveServer | None = None


def shared() -> LiveServer:
    """The session's server, started on first use."""
    global _shared
    if _shared is None or _shared.proc.poll() is not None:
        _shared = start()
        atexit.register(_shared.stop)
    return _shared


def stop_shared() -> None:
    global _shared
    if _shared is not None:
        _shared.stop()
        _shared = None


@pytest.fixture(scope="session")
def live_server():
    server = shared()
    yield server
    stop_shared()

"""A mail server on 127.0.0.1 for the SMTP sender's tests: aiosmtpd in a thread, on a free port.

It keeps what it accepted (`received`: envelope and parsed message) and refuses as a real server would:
recipients in `refuse` with 550 (no such user), in `busy` with 450 (try later), a message whose subject
contains "拒收" with 554 after DATA. With a certificate it offers STARTTLS (or speaks TLS from the start, `ssl`),
and with `users` it requires AUTH; `connections` counts the connections clients opened.
"""
from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Received(NamedTuple):
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    login: str | None  # the user that logged in (AUTH), if any
    tls: bool  # the session was encrypted (STARTTLS or TLS from the start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "mail.crt", folder / "mail.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class FakeMailServer:
    def __init__(self, *, cert: tuple[Path, Path] | None = None, ssl_from_start: bool = False,
                 users: dict[str, str] | None = None, idle_timeout: float = 300):
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self.busy: set[str] = set()
        self.peers: set[Any] = set()  # (address, port) of each connection (a session restarts after STARTTLS)
        self.users = users
        self.port = free_port()
        context = None
        if cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*cert)
        kwargs: dict[str, Any] = {"timeout": idle_timeout}  # an idle session is hung up after it
        if ssl_from_start:
            kwargs["ssl_context"] = context
        elif context:
            kwargs.update(tls_context=context, require_starttls=True)
        if users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=bool(context) and not ssl_from_start)  # (aiosmtpd sees TLS from the start as none)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=5, **kwargs)
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.users is not None \
            and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    @property
    def connections(self) -> int:
        return len(self.peers)

    # aiosmtpd handler hooks
    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,  # noqa: N802
                          responses: list[str]) -> list[str]:
        self.peers.add(session.peer)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in self.busy:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        if "拒收" in str(message["Subject"]):
            return "554 5.7.1 Message rejected as spam"
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,  # type: ignore[arg-type]
                                      raw, login, server.transport.get_extra_info("ssl_object") is not None))
        return "250 Message accepted for delivery"

"""E-mail through an SMTP server: the bureau's own mail server on an on-premises installation (docs/mail.md).
bootstrap.py picks it when SMTP_HOST is set; otherwise e-mail stays in the local mailbox.

Standard library only (smtplib, ssl, email). One connection is kept and reused while it answers (a NOOP before
each reuse), so a batch of reminders is not a TLS handshake per message; any failure drops it.

Failures, as the outbox needs them (ports.Undeliverable):
- never, as it is → Undeliverable, marked failed with the reason: an address that is not one, the server's
  permanent refusal (5xx) of the recipient or of the message;
- this attempt → SmtpError (or the socket/TLS error itself), retried with backoff: the server unreachable or
  timing out, a temporary refusal (4xx), a refused sender or login, no STARTTLS offered (never sent in clear
  instead). After a failed connection or login, sends within the next `pause` seconds fail at once rather than
  each waiting out the timeout (a request's `deliver_soon` must not hang on a dead server) or trying the password
  again.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import ssl
import threading
import time
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from ..domain.model import Message
from ..ports import Undeliverable

class SmtpError(RuntimeError):
    """The mail server could not be reached, or refused for now: this attempt failed, a later one may not."""


def _code_text(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}".strip()


class SmtpSender:
    def __init__(self, host: str, port: int, *, mail_from: str, security: str = "starttls",
                 username: str | None = None, password: str | None = None, timeout: float = 20.0,
                 ca_file: str | None = None, pause: float = 30.0):
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"security must be starttls, ssl or none, not {security!r}")
        self.host, self.port, self.security, self.timeout = host, port, security, timeout
        self.username, self.password = username, password
        self.from_header = mail_from
        self.envelope_from = mail_from[mail_from.rfind("<") + 1:-1] if mail_from.endswith(">") else mail_from
        self.id_domain = self.envelope_from.rpartition("@")[2]
        self.ca_file, self.pause = ca_file, pause
        self._conn: smtplib.SMTP | None = None
        self._down_until = 0.0
        self._lock = threading.Lock()  # the outbox runs in request threads and the scheduler

    # -- the Sender port ---------------------------------------------------------------------------------------
    def send(self, message: Message) -> None:
        recipient, mail = self.recipient(message.to).addr_spec, self.compose(message).as_bytes()
        with self._lock:
            conn = self._connection()
            try:  # after a refusal smtplib has sent RSET and the connection is reused; if not, NOOP will say so
                conn.sendmail(self.envelope_from, [recipient], mail)
            except smtplib.SMTPRecipientsRefused as e:
                code, text = e.recipients.get(recipient, (0, b""))
                self._refused(code, f"邮件服务器拒收收件人{recipient}：{_code_text(code, text)}")
            except smtplib.SMTPDataError as e:
                self._refused(e.smtp_code, f"邮件服务器拒收这封邮件：{_code_text(e.smtp_code, e.smtp_error)}")
            except smtplib.SMTPSenderRefused as e:  # our MAIL_FROM: the configuration, not this message
                raise SmtpError(f"邮件服务器拒绝发件人{self.envelope_from}（MAIL_FROM）："
                                f"{_code_text(e.smtp_code, e.smtp_error)}") from e
            except Exception:  # cut off or confused mid-transaction: start the next one afresh
                self._drop()
                raise

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.quit()
                except (smtplib.SMTPException, OSError):
                    pass
            self._drop()

    # -- the message ---------------------------------------------------------------------------------------------
    def compose(self, message: Message) -> EmailMessage:
        """The message as MIME: UTF-8 text, encoded headers, a Message-ID that stays the same on every attempt
        (so a server or client that saw it once can tell a retry)."""
        to = self.recipient(message.to)
        mail = EmailMessage(policy=policy.SMTP)  # CRLF line ends, as the wire wants them
        mail["From"] = self.from_header
        mail["To"] = to
        mail["Subject"] = " ".join(message.subject.split())
        mail["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
        mail["Message-ID"] = f"<{message.id}@{self.id_domain}>"
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a notification
        mail.set_content(message.body, charset="utf-8", cte="base64")
        return mail

    @staticmethod
    def recipient(to: str) -> Address:
        """One plain address (a Chinese domain goes out in its IDNA form); Undeliverable when it is not one, or
        when its local part is not ASCII (that needs SMTPUTF8, which few servers offer)."""
        text = to.strip()
        local, at, domain = text.rpartition("@")
        if not (at and local and local.isascii() and domain and "." in domain.strip(".")) \
                or any(c.isspace() or c in '<>,;:()[]"\\' or ord(c) < 32 for c in text):
            raise Undeliverable(f"{to!r}不是一个电子邮件地址，本条不发送")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise Undeliverable(f"{to!r}的域名无效，本条不发送") from e
        return Address(addr_spec=f"{local}@{domain}")

    # -- the connection ------------------------------------------------------------------------------------------
    def _refused(self, code: int, reason: str) -> None:
        if 500 <= code < 600:
            raise Undeliverable(reason)
        raise SmtpError(reason)  # 4xx: for now

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            try:
                if self._conn.noop()[0] == 250:
                    return self._conn
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        if time.monotonic() < self._down_until:
            raise SmtpError(f"邮件服务器{self.host}:{self.port}刚才连接或登录失败，稍后重试")
        try:
            self._conn = self._open()
        except (smtplib.SMTPException, OSError) as e:
            # refused, timed out, TLS or login refused: wait a little before the next try (a wrong password
            # tried for every pending message could get the account locked)
            self._down_until = time.monotonic() + self.pause
            if isinstance(e, smtplib.SMTPAuthenticationError):
                raise SmtpError(f"邮件服务器拒绝登录（SMTP_USERNAME/SMTP_PASSWORD）："
                                f"{_code_text(e.smtp_code, e.smtp_error)}") from e
            raise SmtpError(f"连接邮件服务器{self.host}:{self.port}失败：{e}") from e
        return self._conn

    def _open(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file) if self.security != "none" else None
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):  # never fall back to sending in clear
                    raise smtplib.SMTPNotSupportedError("the server offers no STARTTLS (SMTP_SECURITY=starttls)")
                conn.starttls(context=context)
                conn.ehlo()
            if self.username and self.password:
                conn.login(self.username, self.password)
        except BaseException:
            conn.close()
            raise
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = None

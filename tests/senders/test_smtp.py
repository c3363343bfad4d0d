"""E-mail through the installation's mail server (docs/mail.md) against an aiosmtpd server on 127.0.0.1
(tests/senders/fake_smtp.py): the message as it arrives, TLS and AUTH, what is failed for good and what is
retried, and the outbox with bootstrap.build's wiring (SMTP_HOST)."""
from __future__ import annotations

import datetime as dt
import socket
import time

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.smtp import SmtpError, SmtpSender
from chalicelib.domain.model import Message
from chalicelib.ports import Undeliverable
from chalicelib.services import messages
from chalicelib.settings import from_env
from tests.senders.fake_smtp import FakeMailServer, free_port, self_signed
from tests.senders.test_outbox_and_wiring import REVIEWER, queue, submitted

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.timezone.utc)
FROM = "山西劳动用工备案 <noreply@ba.example.cn>"
USERS = {"notify@ba.example.cn": "pw-test-only-2026"}


def mail(to: str = "op1@example.cn", subject: str = "新的劳动用工备案待审核", n: int = 1,
         body: str = "太原市示例有限公司提交了2025年度劳动用工备案。\n请审核：https://ba.example.cn/act/t0k3n\n.\n") -> Message:
    return Message(id=f"m{n:04d}", channel="email", to=to, subject=subject, body=body, created_at=NOW)


@pytest.fixture
def cert(tmp_path):
    return self_signed(tmp_path)


@pytest.fixture
def plain():
    server = FakeMailServer()
    yield server
    server.close()


@pytest.fixture
def tls(cert):
    """A server like a bureau's submission port: STARTTLS required, then AUTH required."""
    server = FakeMailServer(cert=cert, users=USERS)
    yield server
    server.close()


def sender_for(server: FakeMailServer, **kw) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, mail_from=FROM, **{"security": "none", "timeout": 5, **kw})


def test_a_message_arrives_with_its_chinese_subject_body_and_headers(plain):
    sender = sender_for(plain)
    sender.send(mail())
    [got] = plain.received
    assert (got.mail_from, got.rcpt_tos, got.login, got.tls) == ("noreply@ba.example.cn", ["op1@example.cn"], None,
                                                                 False)
    m = got.message
    assert m["Subject"] == "新的劳动用工备案待审核" and m["To"] == "op1@example.cn"
    assert (m["From"].addresses[0].display_name, m["From"].addresses[0].addr_spec) == \
        ("山西劳动用工备案", "noreply@ba.example.cn")
    assert m["Message-ID"] == "<m0001@ba.example.cn>" and m["Auto-Submitted"] == "auto-generated"
    assert m["Date"].datetime.tzinfo is not None
    assert (m.get_content_type(), m.get_content_charset()) == ("text/plain", "utf-8")
    assert m.get_content().splitlines() == mail().body.splitlines()  # (CRLF line ends in the canonical form)
    head = got.raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head  # the Chinese travels encoded (RFC 2047), not raw
    sender.close()


def test_starttls_then_auth(tls, cert):
    sender = sender_for(tls, security="starttls", ca_file=str(cert[0]), username="notify@ba.example.cn",
                        password=USERS["notify@ba.example.cn"])
    sender.send(mail())
    [got] = tls.received
    assert (got.login, got.tls, got.message["Subject"]) == ("notify@ba.example.cn", True, "新的劳动用工备案待审核")
    sender.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd counts only STARTTLS
def test_tls_from_the_start(cert):
    server = FakeMailServer(cert=cert, ssl_from_start=True, users=USERS)
    try:
        sender = sender_for(server, security="ssl", ca_file=str(cert[0]), username="notify@ba.example.cn",
                            password=USERS["notify@ba.example.cn"])
        sender.send(mail())
        assert [(r.login, r.tls) for r in server.received] == [("notify@ba.example.cn", True)]
        sender.close()
    finally:
        server.close()


@pytest.mark.parametrize("change", [
    {"password": "wrong"},  # refused login: the configuration, retried until it is fixed
    {"ca_file": None},  # a certificate the system's CAs did not issue: never sent unverified
])
def test_a_wrong_login_or_an_untrusted_certificate_is_retried_not_failed(tls, cert, change):
    kw = {"security": "starttls", "ca_file": str(cert[0]), "username": "notify@ba.example.cn",
          "password": USERS["notify@ba.example.cn"], **change}
    with pytest.raises(SmtpError) as e:
        sender_for(tls, **kw).send(mail())
    assert not isinstance(e.value, Undeliverable) and tls.received == []


def test_a_refused_login_is_not_tried_again_for_every_pending_message(tls, cert):
    sender = sender_for(tls, security="starttls", ca_file=str(cert[0]), username="notify@ba.example.cn",
                        password="wrong")
    for n in (1, 2, 3):
        with pytest.raises(SmtpError):
            sender.send(mail(n=n))
    assert tls.connections == 1  # (a mail server may lock an account after a few failed logins)


def test_without_starttls_on_offer_nothing_is_sent_in_clear(plain):
    with pytest.raises(SmtpError, match="STARTTLS"):
        sender_for(plain, security="starttls").send(mail())
    assert plain.received == []


def test_a_recipient_refused_for_good_is_undeliverable_and_one_refused_for_now_is_retried(plain):
    plain.refuse.add("nobody@example.cn")
    plain.busy.add("full@example.cn")
    sender = sender_for(plain)
    with pytest.raises(Undeliverable, match="nobody@example.cn.*550 5.1.1"):
        sender.send(mail("nobody@example.cn"))
    with pytest.raises(SmtpError, match="450") as e:
        sender.send(mail("full@example.cn"))
    assert not isinstance(e.value, Undeliverable)
    with pytest.raises(Undeliverable, match="554"):  # the message itself refused after DATA
        sender.send(mail(subject="拒收测试"))
    sender.send(mail(n=2))
    assert [r.message["Message-ID"] for r in plain.received] == ["<m0002@ba.example.cn>"]
    assert plain.connections == 1  # the refusals left the connection usable
    sender.close()


@pytest.mark.parametrize("to", ["", "op1", "op1@localhost", "a b@example.cn", "x@example.cn\r\nBcc: y@example.cn",
                                "王五@example.cn", "<op1@example.cn>", "a@b.cn, c@d.cn"])
def test_what_is_not_an_address_is_undeliverable_without_a_connection(plain, to):
    with pytest.raises(Undeliverable):
        sender_for(plain).send(mail(to))
    assert plain.connections == 0


def test_a_chinese_domain_goes_out_in_its_idna_form(plain):
    sender_for(plain).send(mail("ba@人社厅.中国"))
    assert plain.received[0].rcpt_tos == ["ba@xn--gmqs0jz14b.xn--fiqs8s"]


def test_a_server_down_is_retried_and_a_dead_one_does_not_hold_every_message_up():
    sender = SmtpSender("127.0.0.1", free_port(), mail_from=FROM, security="none", timeout=5)
    with pytest.raises(SmtpError, match="连接邮件服务器") as e:
        sender.send(mail())
    assert not isinstance(e.value, Undeliverable)
    with pytest.raises(SmtpError, match="稍后重试"):  # within the pause: no new attempt to connect
        sender.send(mail(n=2))


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:  # accepts connections (the kernel's backlog) and never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        sender = SmtpSender("127.0.0.1", listener.getsockname()[1], mail_from=FROM, security="none", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(SmtpError):
            sender.send(mail())
        assert time.monotonic() - started < 3


def test_the_connection_is_reused_and_opened_again_when_the_server_dropped_it():
    server = FakeMailServer(idle_timeout=0.3)
    try:
        sender = sender_for(server)
        sender.send(mail(n=1))
        sender.send(mail(n=2))
        assert server.connections == 1
        time.sleep(0.6)  # the server hangs up an idle session
        sender.send(mail(n=3))
        assert (len(server.received), server.connections) == (3, 2)
        sender.close()
    finally:
        server.close()


# ---- the outbox over build()'s wiring -------------------------------------------------------------------------

def installation(tmp_path, port: int, cert) -> dict[str, str]:
    return {"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40, "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port), "SMTP_CA_FILE": str(cert[0]), "SMTP_USERNAME": "notify@ba.example.cn",
            "SMTP_PASSWORD": USERS["notify@ba.example.cn"], "MAIL_FROM": FROM}


def test_an_installation_with_smtp_host_sends_email_there_and_keeps_sms_in_the_mailbox(tmp_path, clock, tls,
                                                                                      cert):
    c = bootstrap.build(from_env(installation(tmp_path, tls.port, cert)), clock=clock)
    reviewer = REVIEWER.model_copy(update={"email": "op1@example.cn"})
    queue(c.store, clock, messages.review_requested(clock, submitted(), reviewer, "https://ba.example.cn/act/t0k3n"))
    assert c.outbox.deliver_pending() == 2
    assert {m.channel: m.status for m in c.store.list_messages()} == {"email": "sent", "sms": "sent"}
    [got] = tls.received
    assert got.rcpt_tos == ["op1@example.cn"] and got.message["Subject"] == "新的劳动用工备案待审核"
    assert "https://ba.example.cn/act/t0k3n" in got.message.get_content()  # e-mail keeps the action link


def test_the_outbox_fails_a_refused_recipient_and_retries_a_busy_one(tmp_path, clock, tls, cert):
    c = bootstrap.build(from_env(installation(tmp_path, tls.port, cert)), clock=clock)
    tls.refuse.add("gone@example.cn")
    tls.busy.add("full@example.cn")
    for to in ("gone@example.cn", "full@example.cn"):
        queue(c.store, clock, [messages.message(clock, kind=messages.MessageKind.DECISION, channel="email", to=to,
                                                subject="劳动用工备案审核通过", body="已审核通过。")])
    assert c.outbox.deliver_pending() == 0
    by_to = {m.to: m for m in c.store.list_messages()}
    gone, full = by_to["gone@example.cn"], by_to["full@example.cn"]
    assert (gone.status, gone.next_attempt_at) == ("failed", None) and "550" in (gone.reason or "")
    assert (full.status, full.attempts, full.next_attempt_at) == ("pending", 1, NOW + dt.timedelta(minutes=1))
    tls.busy.clear()
    clock.advance(minutes=1)
    assert c.outbox.deliver_pending() == 1
    assert [r.rcpt_tos for r in tls.received] == [["full@example.cn"]]


def test_with_the_mail_server_down_the_outbox_keeps_the_message(tmp_path, clock, cert):
    c = bootstrap.build(from_env(installation(tmp_path, free_port(), cert)), clock=clock)
    queue(c.store, clock, [messages.message(clock, kind=messages.MessageKind.DECISION, channel="email",
                                            to="f@example.cn", subject="劳动用工备案审核通过", body="已审核通过。")])
    assert c.outbox.deliver_pending() == 0
    [m] = c.store.list_messages()
    assert (m.status, m.attempts, m.reason) == ("pending", 1, None)


def test_without_smtp_host_email_stays_in_the_local_mailbox(tmp_path, clock):
    from chalicelib.adapters.embedded.mailbox import LocalMailbox
    settings = from_env({"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40,
                         "MAIL_FROM": "noreply@ba.example.cn"})
    assert settings.smtp is None and isinstance(bootstrap.build(settings, clock=clock).sender, LocalMailbox)

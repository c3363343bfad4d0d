"""SMTP_HOST and its settings (docs/mail.md): defaults by security, MAIL_FROM on an installation, and clear
errors naming what is missing or malformed."""
from __future__ import annotations

import pytest

from chalicelib.settings import SettingsError, from_env


@pytest.fixture
def env(tmp_path):
    return {"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k", "SMTP_HOST": "mail.ba.example.cn",
            "MAIL_FROM": "山西劳动用工备案 <noreply@ba.example.cn>"}


def test_defaults_starttls_on_the_submission_port(env):
    s = from_env(env)
    assert s.smtp is not None and s.mail_from == "山西劳动用工备案 <noreply@ba.example.cn>"
    assert (s.smtp.host, s.smtp.port, s.smtp.security, s.smtp.username, s.smtp.password, s.smtp.timeout,
            s.smtp.ca_file) == ("mail.ba.example.cn", 587, "starttls", None, None, 20.0, None)


def test_every_setting(env, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    s = from_env({**env, "SMTP_SECURITY": "SSL", "SMTP_PORT": "10465", "SMTP_USERNAME": "notify",
                  "SMTP_PASSWORD": "pw", "SMTP_TIMEOUT": "5.5", "SMTP_CA_FILE": str(ca)}).smtp
    assert s is not None
    assert (s.port, s.security, s.username, s.password, s.timeout, s.ca_file) == \
        (10465, "ssl", "notify", "pw", 5.5, str(ca))
    assert [from_env({**env, "SMTP_SECURITY": sec}).smtp.port for sec in ("ssl", "none")] == [465, 25]


def test_without_smtp_host_the_mailbox_stays(env):
    del env["SMTP_HOST"]
    s = from_env(env)
    assert s.smtp is None and s.mail_from == "山西劳动用工备案 <noreply@ba.example.cn>"


@pytest.mark.parametrize("change, message", [
    ({"MAIL_FROM": ""}, "SMTP_HOST needs MAIL_FROM"),
    ({"MAIL_FROM": "noreply"}, "MAIL_FROM must be an e-mail address"),
    ({"MAIL_FROM": "备案 <noreply@localhost>"}, "MAIL_FROM must be an e-mail address"),
    ({"MAIL_FROM": "noreply@ba.example.cn\r\nBcc: x@y.cn"}, "MAIL_FROM must be an e-mail address"),
    ({"SMTP_SECURITY": "tls"}, "SMTP_SECURITY must be starttls, ssl or none"),
    ({"SMTP_PORT": "smtp"}, "SMTP_PORT must be a port number"),
    ({"SMTP_PORT": "70000"}, "SMTP_PORT must be a port number"),
    ({"SMTP_TIMEOUT": "0"}, "SMTP_TIMEOUT"),
    ({"SMTP_TIMEOUT": "soon"}, "SMTP_TIMEOUT"),
    ({"SMTP_USERNAME": "notify"}, "SMTP_USERNAME and SMTP_PASSWORD go together"),
    ({"SMTP_PASSWORD": "pw"}, "SMTP_USERNAME and SMTP_PASSWORD go together"),
    ({"SMTP_USERNAME": "notify", "SMTP_PASSWORD": "口令"}, "must be ASCII"),
    ({"SMTP_CA_FILE": "/nonexistent/ca.pem"}, "SMTP_CA_FILE names no file"),
])
def test_what_is_wrong_is_named(env, change, message):
    with pytest.raises(SettingsError, match=message):
        from_env({**env, **change})


def test_on_aws_email_goes_through_ses():
    aws = {"BACKEND": "aws", "TABLE_NAME": "t", "BUCKET_NAME": "b", "MAIL_FROM": "noreply@example.cn",
           "SECRET_KEY": "k", "SMTP_HOST": "mail.example.cn"}
    with pytest.raises(SettingsError, match="SMTP_HOST is for an on-premises installation"):
        from_env(aws)

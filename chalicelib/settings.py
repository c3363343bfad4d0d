"""Settings from the environment (AWS mode gets them from the CDK stack as Lambda variables)."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple


class SettingsError(RuntimeError):
    pass


class SmsSettings(NamedTuple):
    """SMS through a Chinese provider (docs/sms.md): SMS_PROVIDER=aliyun|tencent and its SMS_* variables."""
    provider: str  # aliyun / tencent
    sign_name: str  # the approved signature (签名), without its 【】
    templates: dict[str, tuple[str, tuple[str, ...] | None]]  # our template → (provider's code, its variables)
    access_key_id: str  # Tencent: the SecretId
    access_key_secret: str  # Tencent: the SecretKey
    app_id: str | None = None  # Tencent: the SmsSdkAppId
    endpoint: str | None = None  # None: the provider's public endpoint
    region: str | None = None  # None: cn-hangzhou (Alibaba Cloud), ap-guangzhou (Tencent Cloud)
    param_max_chars: int = 35  # a variable's longest value the approved templates allow


class SmtpSettings(NamedTuple):
    """E-mail through the bureau's own mail server on an on-premises installation (docs/mail.md): SMTP_HOST and
    its SMTP_* variables, with MAIL_FROM as the sender."""
    host: str
    port: int  # default by security: 587 (starttls), 465 (ssl), 25 (none)
    security: str  # starttls / ssl / none
    mail_from: str  # MAIL_FROM: an address, or 显示名 <address>
    username: str | None = None  # both or neither: AUTH after TLS is up
    password: str | None = None
    timeout: float = 20.0  # seconds for connecting and for each reply
    ca_file: str | None = None  # a CA bundle (PEM) for a server certificate issued by the bureau's own CA


class WechatSettings(NamedTuple):
    """The WeChat mini-program (docs/wechat.md): WECHAT_APP_ID and its WECHAT_* variables."""
    app_id: str
    app_secret: str  # WECHAT_APP_SECRET, or on AWS the secret WECHAT_SECRET_ARN names
    api_base: str = "https://api.weixin.qq.com"  # WECHAT_API_BASE: tests point it at a fake
    templates: dict[str, str] = {}  # WECHAT_TEMPLATES: our template name → the WeChat template id


class Settings(NamedTuple):  # (not a dataclass: dataclasses costs Lambda cold start)
    backend: str  # embedded / aws
    base_url: str
    secret_key: str
    data_dir: Path | None = None  # embedded
    table_name: str | None = None  # aws
    bucket_name: str | None = None
    mail_from: str | None = None
    channels: tuple[str, ...] = ("email", "sms")  # CHANNELS=sms where SES is not offered (AWS China)
    dev_mailbox: bool = False  # DEV_MAILBOX=1 (the local demo run): the outbox is readable at /dev/mailbox
    # JOB_WORKER=process (docs/onprem.md): imports, exports and the person index run in `cli run-worker`
    # processes, not on threads of the web workers that received them
    job_worker_process: bool = False
    sms: SmsSettings | None = None  # SMS through Alibaba/Tencent Cloud; None: SNS (aws), the local mailbox (embedded)
    smtp: SmtpSettings | None = None  # embedded: e-mail through an SMTP server; None: the local mailbox
    # SEND_RATES=email=14,sms=20: messages a second per channel, the provider's sending quota (docs/rules.md §8,
    # infra/README.md); a channel not listed is not paced
    send_rates: dict[str, float] = {}
    reminder_queue_url: str | None = None  # aws: REMINDER_QUEUE_URL, the SQS queue of the daily job's batches
    export_queue_url: str | None = None  # aws: EXPORT_QUEUE_URL, the SQS queue the export worker reads
    ses_bulk_template: str | None = None  # aws: SES_BULK_TEMPLATE, reminders 50 to a call (adapters/aws/senders.py)
    wechat: WechatSettings | None = None  # the mini-program's sign-in and subscribe messages; None: not offered

    @property
    def embedded(self) -> bool:
        return self.backend == "embedded"

    @property
    def https(self) -> bool:
        """Served over https: cookies are Secure and browsers are told to keep to https (HSTS)."""
        return self.base_url.startswith("https://")


def _embedded_secret(data_dir: Path) -> str:
    """A local run keeps a random secret beside its data, so sessions survive restarts."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        import secrets  # cold start: hashlib, for the local run only

        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _stored_secret(arn: str) -> str:
    """The deployed stack keeps the signing key in Secrets Manager (never in the repo or the template);
    the Lambda gets only its ARN and reads it once, when the container is built."""
    import boto3
    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def _stored_sms_credentials(arn: str) -> tuple[str, str]:
    """The SMS provider's key pair from Secrets Manager: a JSON secret {"access_key_id": …, "access_key_secret": …}."""
    try:
        pair = json.loads(_stored_secret(arn))
        return str(pair["access_key_id"]), str(pair["access_key_secret"])
    except (ValueError, KeyError, TypeError) as e:
        raise SettingsError('SMS_SECRET_ARN must name a JSON secret {"access_key_id": …, "access_key_secret": …}') \
            from e


def _sms_templates(text: str) -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """SMS_TEMPLATES: a JSON object, our template name → the provider's template code, or
    {"code": …, "params": [the variables the approved template takes, in order]}."""
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise SettingsError(f"SMS_TEMPLATES is not JSON: {e}") from e
    if not isinstance(raw, dict):
        raise SettingsError("SMS_TEMPLATES must be a JSON object: template name → code")
    templates: dict[str, tuple[str, tuple[str, ...] | None]] = {}
    for name, value in raw.items():
        if isinstance(value, str) and value:
            templates[name] = (value, None)
            continue
        entry = value if isinstance(value, dict) else {}
        code, params = entry.get("code"), entry.get("params")
        if not (isinstance(code, str) and code and set(entry) <= {"code", "params"}
                and (params is None or isinstance(params, list) and all(isinstance(p, str) for p in params))):
            raise SettingsError(f'SMS_TEMPLATES["{name}"] must be a code or {{"code": …, "params": […]}}')
        templates[name] = (code, None if params is None else tuple(params))
    return templates


def _sms(env: Mapping[str, str], backend_name: str) -> SmsSettings | None:
    """SMS_PROVIDER: aliyun or tencent; unset (or sns on AWS): no provider of ours."""
    provider = env.get("SMS_PROVIDER", "").strip().lower()
    if provider == "" or provider == "sns" and backend_name == "aws":
        return None
    if provider not in ("aliyun", "tencent"):
        raise SettingsError("SMS_PROVIDER must be aliyun or tencent" + (" (or sns)" if backend_name == "aws" else ""))
    missing = [k for k in ("SMS_SIGN_NAME", "SMS_TEMPLATES") if not env.get(k)]
    if provider == "tencent" and not env.get("SMS_APP_ID"):
        missing.append("SMS_APP_ID")
    if not (env.get("SMS_SECRET_ARN") or env.get("SMS_ACCESS_KEY_ID") and env.get("SMS_ACCESS_KEY_SECRET")):
        missing.append("SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET (or SMS_SECRET_ARN)")
    if missing:
        raise SettingsError(f"SMS_PROVIDER={provider} needs environment variables: {', '.join(missing)}")
    try:
        max_chars = int(env.get("SMS_PARAM_MAX_CHARS") or 35)
    except ValueError:
        max_chars = 0
    if max_chars < 1:
        raise SettingsError("SMS_PARAM_MAX_CHARS must be a positive number")
    templates = _sms_templates(env["SMS_TEMPLATES"])
    if env.get("SMS_ACCESS_KEY_ID") and env.get("SMS_ACCESS_KEY_SECRET"):  # explicit keys win, as SECRET_KEY does
        key_id, key_secret = env["SMS_ACCESS_KEY_ID"], env["SMS_ACCESS_KEY_SECRET"]
    else:
        key_id, key_secret = _stored_sms_credentials(env["SMS_SECRET_ARN"])
    return SmsSettings(provider, env["SMS_SIGN_NAME"], templates, key_id, key_secret, app_id=env.get("SMS_APP_ID"),
                       endpoint=env.get("SMS_ENDPOINT") or None, region=env.get("SMS_REGION") or None,
                       param_max_chars=max_chars)


def _wechat(env: Mapping[str, str]) -> WechatSettings | None:
    """WECHAT_APP_ID: the mini-program's AppID; unset: no WeChat sign-in or messages."""
    app_id = env.get("WECHAT_APP_ID", "").strip()
    if not app_id:
        return None
    secret = env.get("WECHAT_APP_SECRET", "").strip()
    if not secret and env.get("WECHAT_SECRET_ARN"):
        secret = _stored_secret(env["WECHAT_SECRET_ARN"]).strip()
    if not secret:
        raise SettingsError("WECHAT_APP_ID needs WECHAT_APP_SECRET (or WECHAT_SECRET_ARN, a secret holding the AppSecret)")
    from .domain.wechat import TEMPLATE_FIELDS  # cold start: only where WeChat is configured
    try:
        templates = json.loads(env.get("WECHAT_TEMPLATES") or "{}")
    except ValueError as e:
        raise SettingsError(f"WECHAT_TEMPLATES is not JSON: {e}") from e
    if not (isinstance(templates, dict) and set(templates) <= set(TEMPLATE_FIELDS)
            and all(isinstance(v, str) and v for v in templates.values())):
        raise SettingsError(f"WECHAT_TEMPLATES must be a JSON object: {' / '.join(TEMPLATE_FIELDS)} → template id")
    api_base = (env.get("WECHAT_API_BASE") or "https://api.weixin.qq.com").rstrip("/")
    if not api_base.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise SettingsError("WECHAT_API_BASE must be an https:// address")
    return WechatSettings(app_id, secret, api_base, templates)


SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _mail_from(text: str) -> str:
    """MAIL_FROM as given, if it holds one plain address (with or without a display name)."""
    text = text.strip()
    address = text[text.rfind("<") + 1:-1] if text.endswith(">") else text
    local, _, domain = address.rpartition("@")
    if not (local and "." in domain and address.isascii() and not any(c.isspace() for c in address)) \
            or any(c in text for c in "\r\n\t"):
        raise SettingsError(f"MAIL_FROM must be an e-mail address such as noreply@ba.example.cn "
                            f"or 山西劳动用工备案 <noreply@ba.example.cn>, not {text!r}")
    return text


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP_HOST: the mail server e-mail goes through on an installation; unset: the local mailbox."""
    host = env.get("SMTP_HOST", "").strip()
    if not host:
        return None
    if not env.get("MAIL_FROM", "").strip():
        raise SettingsError("SMTP_HOST needs MAIL_FROM, the sender's address (e.g. noreply@ba.example.cn)")
    security = env.get("SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in SMTP_PORTS:
        raise SettingsError(f"SMTP_SECURITY must be starttls, ssl or none, not {security!r}")
    try:
        port = int(env.get("SMTP_PORT") or SMTP_PORTS[security])
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise SettingsError(f"SMTP_PORT must be a port number (1-65535), not {env.get('SMTP_PORT')!r}")
    try:
        timeout = float(env.get("SMTP_TIMEOUT") or 20)
    except ValueError:
        timeout = 0
    if not 0 < timeout <= 600:
        raise SettingsError("SMTP_TIMEOUT must be a number of seconds (at most 600)")
    username, password = env.get("SMTP_USERNAME") or None, env.get("SMTP_PASSWORD") or None
    if bool(username) != bool(password):
        raise SettingsError("SMTP_USERNAME and SMTP_PASSWORD go together: set both (AUTH) or neither")
    if not f"{username or ''}{password or ''}".isascii():  # smtplib's AUTH sends ASCII only
        raise SettingsError("SMTP_USERNAME and SMTP_PASSWORD must be ASCII (no Chinese or full-width characters)")
    ca_file = env.get("SMTP_CA_FILE") or None
    if ca_file and not Path(ca_file).is_file():
        raise SettingsError(f"SMTP_CA_FILE names no file: {ca_file}")
    if ca_file and security == "none":
        raise SettingsError("SMTP_CA_FILE is for SMTP_SECURITY=starttls or ssl")
    return SmtpSettings(host, port, security, _mail_from(env["MAIL_FROM"]), username=username, password=password,
                        timeout=timeout, ca_file=ca_file)


def _send_rates(text: str) -> dict[str, float]:
    """"email=14,sms=20" → {"email": 14.0, "sms": 20.0}."""
    rates = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        channel, _, rate = part.partition("=")
        try:
            rates[channel.strip()] = float(rate)
        except ValueError:
            raise SettingsError(f"SEND_RATES: {part!r} is not channel=messages per second") from None
    return rates


def backend(env: Mapping[str, str] = os.environ) -> str:
    """Which backend runs: BACKEND, embedded unless set."""
    return env.get("BACKEND", "embedded")


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The embedded backend's data folder (filing.db, blobs/, secret.key): DATA_DIR, ./var unless set."""
    return Path(env.get("DATA_DIR", "var")).resolve()


def from_env(env: Mapping[str, str] = os.environ) -> Settings:
    backend_name = backend(env)
    base_url = env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if backend_name == "embedded":
        folder = data_dir(env)
        smtp = _smtp(env)
        return Settings(backend_name, base_url, env.get("SECRET_KEY") or _embedded_secret(folder), data_dir=folder,
                        mail_from=smtp.mail_from if smtp else env.get("MAIL_FROM") or None,
                        dev_mailbox=env.get("DEV_MAILBOX") == "1", sms=_sms(env, backend_name), smtp=smtp,
                        job_worker_process=env.get("JOB_WORKER") == "process",
                        send_rates=_send_rates(env.get("SEND_RATES", "")), wechat=_wechat(env))
    if backend_name == "aws":
        missing = [k for k in ("TABLE_NAME", "BUCKET_NAME", "MAIL_FROM") if not env.get(k)]
        if not (env.get("SECRET_KEY") or env.get("SECRET_ARN")):
            missing.insert(0, "SECRET_KEY (or SECRET_ARN)")
        if missing:
            raise SettingsError(f"AWS mode needs environment variables: {', '.join(missing)}")
        if env.get("SMTP_HOST"):
            raise SettingsError("SMTP_HOST is for an on-premises installation (BACKEND=embedded); "
                                "on AWS e-mail goes through SES from MAIL_FROM")
        channels = tuple(c.strip() for c in env.get("CHANNELS", "email,sms").split(",") if c.strip())
        if not channels or set(channels) - {"email", "sms"}:
            raise SettingsError("CHANNELS must list email and/or sms")
        return Settings(backend_name, base_url, env.get("SECRET_KEY") or _stored_secret(env["SECRET_ARN"]),
                        table_name=env["TABLE_NAME"], bucket_name=env["BUCKET_NAME"], mail_from=env["MAIL_FROM"],
                        channels=channels, sms=_sms(env, backend_name),
                        send_rates=_send_rates(env.get("SEND_RATES", "")),
                        reminder_queue_url=env.get("REMINDER_QUEUE_URL") or None,
                        export_queue_url=env.get("EXPORT_QUEUE_URL") or None,
                        ses_bulk_template=env.get("SES_BULK_TEMPLATE") or None, wechat=_wechat(env))
    raise SettingsError(f"BACKEND must be embedded or aws, not {backend_name!r}")

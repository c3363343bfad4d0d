"""Settings from the environment (AWS mode gets them from the CDK stack as Lambda variables)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple


class SettingsError(RuntimeError):
    pass


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


def backend(env: Mapping[str, str] = os.environ) -> str:
    """Which backend runs: BACKEND, embedded unless set."""
    return env.get("BACKEND", "embedded")


def from_env(env: Mapping[str, str] = os.environ) -> Settings:
    backend_name = backend(env)
    base_url = env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if backend_name == "embedded":
        data_dir = Path(env.get("DATA_DIR", "var")).resolve()
        return Settings(backend_name, base_url, env.get("SECRET_KEY") or _embedded_secret(data_dir), data_dir=data_dir,
                        dev_mailbox=env.get("DEV_MAILBOX") == "1")
    if backend_name == "aws":
        missing = [k for k in ("TABLE_NAME", "BUCKET_NAME", "MAIL_FROM") if not env.get(k)]
        if not (env.get("SECRET_KEY") or env.get("SECRET_ARN")):
            missing.insert(0, "SECRET_KEY (or SECRET_ARN)")
        if missing:
            raise SettingsError(f"AWS mode needs environment variables: {', '.join(missing)}")
        channels = tuple(c.strip() for c in env.get("CHANNELS", "email,sms").split(",") if c.strip())
        if not channels or set(channels) - {"email", "sms"}:
            raise SettingsError("CHANNELS must list email and/or sms")
        return Settings(backend_name, base_url, env.get("SECRET_KEY") or _stored_secret(env["SECRET_ARN"]),
                        table_name=env["TABLE_NAME"], bucket_name=env["BUCKET_NAME"], mail_from=env["MAIL_FROM"],
                        channels=channels)
    raise SettingsError(f"BACKEND must be embedded or aws, not {backend_name!r}")

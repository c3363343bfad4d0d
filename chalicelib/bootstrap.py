"""The one composition root: settings → adapters → services. Built on first use, not at import."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from . import settings as settings_module


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


@dataclass
class Container:
    settings: settings_module.Settings
    store: object
    blobs: object
    sender: object
    clock: object
    signer: object
    accounts: object
    filings: object
    review: object
    imports: object
    outbox: object
    audit: object
    reminders: object
    applications: object  # account applications (附件2)
    rosters: object = None  # error reports, roster diff, leavers' 表三 (issue 3)
    stats: object = None  # statistics dashboard and exports (issue 8)
    persons: object = None  # person look-up by ID number for data sharing (issue 8)
    overdue: object = None


def build(settings: settings_module.Settings, *, clock=None, sender=None, aws_session=None) -> Container:
    """Adapters for the configured backend, then the services over them."""
    if settings.embedded:
        from .adapters.embedded.file_blobs import FileBlobStore
        from .adapters.embedded.mailbox import LocalMailbox
        from .adapters.embedded.sqlite_store import SqliteStore

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = SqliteStore(settings.data_dir / "filing.db")
        blobs = FileBlobStore(settings.data_dir / "blobs", secret=settings.secret_key,
                              upload_url=f"{settings.base_url}/api/v1/local-uploads")
        sender = sender or LocalMailbox()
    else:
        import boto3

        from .adapters.aws.dynamo_store import DynamoStore
        from .adapters.aws.s3_blobs import S3BlobStore
        from .adapters.aws.senders import ChannelSender, SesSender, SnsSmsSender

        clients = aws_session or boto3.session.Session()
        store = DynamoStore(settings.table_name, clients.client("dynamodb"))
        blobs = S3BlobStore(settings.bucket_name, clients.client("s3"))
        senders = {"email": lambda: SesSender(clients.client("ses"), settings.mail_from),
                   "sms": lambda: SnsSmsSender(clients.client("sns"))}
        sender = sender or ChannelSender({ch: senders[ch]() for ch in settings.channels})
    return assemble(settings, store=store, blobs=blobs, sender=sender, clock=clock or SystemClock())


def assemble(settings: settings_module.Settings, *, store, blobs, sender, clock) -> Container:
    """The services over given adapters (build() picks the adapters; tests may pass their own)."""
    from .services.accounts import AccountService
    from .services.applications import ApplicationService
    from .services.audit import AuditLog
    from .services.filings import FilingService
    from .services.imports import ImportService
    from .services.links import ActionLinks
    from .services.outbox import Outbox
    from .services.reminders import ReminderService
    from .services.review import ReviewService
    from .services.rosters import RosterService
    from .services.token_signer import TokenSigner
    from .services.overdue import OverdueService
    from .services.persons import PersonService
    from .services.stats import StatsService

    signer = TokenSigner(settings.secret_key)
    outbox = Outbox(store, sender, clock, channels=settings.channels)
    links = ActionLinks(signer, clock, settings.base_url)
    filings = FilingService(store, blobs, clock, outbox, links)
    return Container(settings=settings, store=store, blobs=blobs, sender=sender, clock=clock, signer=signer,
                     accounts=AccountService(store, clock, signer), filings=filings,
                     review=ReviewService(store, clock, outbox, filings, links, settings.base_url),
                     imports=ImportService(store, blobs, clock), outbox=outbox, audit=AuditLog(store),
                     reminders=ReminderService(store, clock, outbox, settings.base_url),
                     applications=ApplicationService(store, clock),
                     rosters=RosterService(store, blobs, filings), stats=StatsService(store, clock, blobs),
                     persons=PersonService(store, clock), overdue=OverdueService(store, clock))


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    """The process-wide container (built from the environment on first call)."""
    global _container
    with _lock:
        if _container is None:
            _container = build(settings_module.from_env())
        return _container


def override(c: Container | None) -> None:
    """Tests swap in their own container."""
    global _container
    with _lock:
        _container = c

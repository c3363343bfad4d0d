"""The one composition root: settings → adapters → services, and the routes on the app. The only module,
with settings.py, that knows which backend runs. The container is built on first use, not at import
(Lambda cold start: adapters and services load boto3 and pydantic)."""
from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, NamedTuple

from . import settings as settings_module

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalice import Chalice

    from .ports import BlobStore, Clock, LocalTransfers, Sender, Store, WechatClient
    from .services.accounts import AccountService
    from .services.assistant import AssistantService
    from .services.applications import ApplicationService
    from .services.audit import AuditService
    from .services.desks import DeskService
    from .services.enforcement import EnforcementService
    from .services.exports import ExportService
    from .services.filings import FilingService
    from .services.imports import ImportService
    from .services.outbox import Outbox
    from .services.overdue import OverdueService
    from .services.persons import PersonService
    from .services.receipts import ReceiptService
    from .services.recovery import RecoveryService
    from .services.reminders import JobQueue, ReminderService
    from .services.review import ReviewService
    from .services.rosters import RosterService
    from .services.row_edits import RowEditService
    from .services.stats import StatsService
    from .services.token_signer import TokenSigner
    from .services.transfers import TransferService
    from .services.unit_lookup import UnitLookup
    from .services.units import UnitService
    from .services.unit_people import UnitPeopleService
    from .services.verification import VerificationService
    from .services.versions import VersionService
    from .services.wechat import WechatService


log = logging.getLogger(__name__)


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class Container(NamedTuple):
    """The adapters and the services over them (a NamedTuple: dataclasses costs Lambda cold start)."""
    settings: settings_module.Settings
    # adapters
    store: Store
    blobs: BlobStore
    local_transfers: LocalTransfers | None  # the embedded blob store's upload/download endpoints (None over S3)
    sender: Sender
    clock: Clock
    token_signer: TokenSigner
    # services
    accounts: AccountService
    applications: ApplicationService  # account applications (附件2)
    filings: FilingService
    imports: ImportService
    rosters: RosterService  # error reports, roster diff, leavers' 表三
    row_edits: RowEditService  # online 表二/表三 rows, one at a time (docs/rules.md §5)
    review: ReviewService
    desks: DeskService  # who holds a filing under review, internal notes
    versions: VersionService  # corrections, revoking an approval, deleting a draft (docs/rules.md §11)
    units: UnitService  # a unit's life: founding date, closure, reopening
    outbox: Outbox
    reminders: ReminderService
    overdue: OverdueService  # 未依法备案单位名单
    enforcement: EnforcementService  # 责令限期改正 and what follows it (docs/rules.md §15)
    stats: StatsService
    exports: ExportService  # statistics and overdue exports, built by a job
    persons: PersonService  # person look-up by ID number for other departments
    unit_lookup: UnitLookup  # unit look-up by USCC for other departments
    audit: AuditService
    recovery: RecoveryService  # the crash recovery sweep
    transfers: TransferService  # 变更审核机关
    receipts: ReceiptService  # 回执, 备案证明 and their public verification (docs/rules.md §14)
    verification: VerificationService  # SMS verification codes (docs/rules.md §12)
    people: UnitPeopleService  # a unit's people, 忘记密码, contact changes, rebinding a lost unit
    assistant: AssistantService  # 填报助手: the chat that registers a unit, fills 表一 and adds rows (docs/rules.md §19)
    wechat: WechatService  # the mini-program's sign-in, binding and subscriptions (docs/wechat.md)


def build(settings: settings_module.Settings, *, clock: Clock | None = None, sender: Sender | None = None,
          aws_session: Any = None) -> Container:
    """Adapters for the configured backend, then the services over them."""
    wechat = wechat_api(settings.wechat) if settings.wechat else None
    if settings.embedded:
        from .adapters.embedded.file_blobs import FileBlobStore
        from .adapters.embedded.mailbox import LocalMailbox
        from .adapters.embedded.sqlite_store import SqliteStore

        assert settings.data_dir is not None
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        files = FileBlobStore(settings.data_dir / "blobs", secret=settings.secret_key,
                              upload_url=f"{settings.base_url}/api/v1/local-uploads")
        if sender is None:
            # an installation's e-mail through its mail server (SMTP_HOST), SMS through its provider
            # (SMS_PROVIDER); whichever is not configured stays in the local mailbox
            mailbox = LocalMailbox()
            sender = mailbox
            if settings.sms is not None or settings.smtp is not None:
                from .adapters.aws.senders import ChannelSender
                sender = ChannelSender({"email": smtp_mail(settings.smtp) if settings.smtp else mailbox,
                                        "sms": template_sms(settings.sms) if settings.sms else mailbox})
        return assemble(settings, store=SqliteStore(settings.data_dir / "filing.db"), blobs=files,
                        local_transfers=files, sender=sender, clock=clock or SystemClock(), wechat=wechat)
    import boto3

    from .adapters.aws.dynamo_store import DynamoStore
    from .adapters.aws.s3_blobs import S3BlobStore, s3_client
    from .adapters.aws.senders import ChannelSender, SesSender, SnsSmsSender

    clients = aws_session or boto3.session.Session()
    sms = settings.sms
    senders = {"email": lambda: SesSender(clients.client("ses"), settings.mail_from, settings.ses_bulk_template),
               "sms": lambda: template_sms(sms) if sms else SnsSmsSender(clients.client("sns"))}
    if sms is None and "sms" in settings.channels and str(clients.region_name or "").startswith("cn-"):
        log.warning("SNS does not send SMS in the China Regions: set SMS_PROVIDER (docs/sms.md)")
    queue = None
    if settings.reminder_queue_url:
        from .adapters.aws.reminder_queue import SqsReminderQueue
        queue = SqsReminderQueue(clients.client("sqs"), settings.reminder_queue_url)
    export_queue = None
    if settings.export_queue_url:
        from .adapters.aws.export_queue import SqsExportQueue
        export_queue = SqsExportQueue(clients.client("sqs"), settings.export_queue_url).send
    return assemble(settings, store=DynamoStore(settings.table_name, clients.client("dynamodb")),
                    blobs=S3BlobStore(settings.bucket_name, s3_client(clients)),
                    sender=sender or ChannelSender({ch: senders[ch]() for ch in settings.channels}),
                    clock=clock or SystemClock(), reminder_queue=queue, wechat=wechat, export_queue=export_queue)


def template_sms(sms: settings_module.SmsSettings) -> Sender:
    """The sender for SMS_PROVIDER=aliyun|tencent (docs/sms.md), on either backend."""
    from .adapters.sms.base import Template
    templates = {name: Template(code, params) for name, (code, params) in sms.templates.items()}
    if sms.provider == "tencent":
        from .adapters.sms.tencent import TencentSms
        assert sms.app_id is not None  # settings require it
        return TencentSms(sms.access_key_id, sms.access_key_secret, app_id=sms.app_id, sign_name=sms.sign_name,
                          templates=templates, endpoint=sms.endpoint, region=sms.region,
                          param_max_chars=sms.param_max_chars)
    from .adapters.sms.aliyun import AliyunSms
    return AliyunSms(sms.access_key_id, sms.access_key_secret, sign_name=sms.sign_name, templates=templates,
                     endpoint=sms.endpoint, region=sms.region, param_max_chars=sms.param_max_chars)


def wechat_api(wechat: settings_module.WechatSettings) -> WechatClient:
    """The WeChat server API of the mini-program (docs/wechat.md), on either backend."""
    from .adapters.wechat import WechatApi
    return WechatApi(wechat.app_id, wechat.app_secret, api_base=wechat.api_base)


def smtp_mail(smtp: settings_module.SmtpSettings) -> Sender:
    """The sender for SMTP_HOST (docs/mail.md): e-mail through the installation's mail server."""
    from .adapters.smtp import SmtpSender
    if smtp.security == "none" and smtp.username:
        log.warning("SMTP_SECURITY=none: the SMTP password and the messages cross the network in clear")
    return SmtpSender(smtp.host, smtp.port, mail_from=smtp.mail_from, security=smtp.security,
                      username=smtp.username, password=smtp.password, timeout=smtp.timeout, ca_file=smtp.ca_file)


def assemble(settings: settings_module.Settings, *, store: Store, blobs: BlobStore, sender: Sender, clock: Clock,
             local_transfers: LocalTransfers | None = None, reminder_queue: ReminderQueue | None = None,
             wechat: WechatClient | None = None, export_queue: Callable[[str], None] | None = None) -> Container:
    """The services over given adapters (build() picks the adapters; tests may pass their own)."""
    from .services.accounts import AccountService  # cold start: the services load pydantic
    from .services.assistant import AssistantService
    from .services.applications import ApplicationService
    from .services.audit import AuditService
    from .services.desks import DeskService
    from .services.enforcement import EnforcementService
    from .services.exports import Builder, ExportService
    from .services.filings import FilingService
    from .services.imports import ImportService
    from .services.links import ActionLinks
    from .services.outbox import Outbox
    from .services.overdue import OverdueService
    from .services.persons import PersonIndex, PersonService
    from .services.receipts import ReceiptService
    from .services.recovery import RecoveryService
    from .services.reminders import JobQueue, ReminderService
    from .services.review import ReviewService
    from .services.rosters import RosterService
    from .services.row_edits import RowEditService
    from .services.stats import StatsService
    from .services.token_signer import TokenSigner
    from .services.transfers import TransferService
    from .services.unit_lookup import UnitLookup
    from .services.units import UnitService
    from .services.unit_people import UnitPeopleService
    from .services.verification import VerificationService
    from .services.versions import VersionService
    from .services.wechat import WechatDelivery, WechatService

    token_signer = TokenSigner(settings.secret_key)
    wechat_templates = settings.wechat.templates if settings.wechat else {}
    outbox = Outbox(store, sender, clock, channels=settings.channels, rates=settings.send_rates,
                    wechat=WechatDelivery(store, wechat, wechat_templates) if wechat and wechat_templates else None)
    if reminder_queue is None and settings.job_worker_process:  # embedded: the batches go to `cli run-worker`
        reminder_queue = JobQueue(store, clock)
    links = ActionLinks(token_signer, clock, settings.base_url)
    filings = FilingService(store, blobs, clock, outbox, links)
    imports = ImportService(store, blobs, clock)
    person_index = PersonIndex(store, clock)
    wake_jobs = None  # AWS: the recover_interrupted schedule finds queued jobs within a minute
    if local_transfers is not None:
        from .adapters.embedded.background import run_in_background

        if not settings.job_worker_process:  # else `cli run-worker` processes poll for queued jobs
            wake_jobs = lambda: run_in_background(recovery.sweep)  # noqa: E731

        def on_stored(key: str) -> None:
            """The stand-in for S3's ObjectCreated event (the CDK stack wires that one): a received upload is
            queued as an import job, never imported inside the upload request."""
            imports.queue(key)
            if wake_jobs:
                wake_jobs()
        local_transfers.on_stored = on_stored
    accounts = AccountService(store, clock, token_signer)
    overdue, stats = OverdueService(store, clock), StatsService(store, clock)
    rosters, audit = RosterService(store, blobs, clock, filings), AuditService(store, clock)
    review = ReviewService(store, clock, outbox, filings, links, person_index, settings.base_url, wake_jobs)
    exports = ExportService(store, blobs, clock, accounts, {
        "stats": Builder("备案数据导出", stats.check_export, stats.build_export),
        "overdue": Builder("未依法备案单位名单", overdue.check_export, overdue.export),
        "leavers": Builder("减少人员的表三", rosters.check_leavers, rosters.leavers_workbook),
        "filing_rows": Builder("备案名册（表二/表三）", review.check_rows_export, review.rows_export),
        "audit": Builder("审计日志导出", audit.check_export, audit.export)}, wake_jobs, export_queue)
    reminders = ReminderService(store, clock, outbox, settings.base_url, reminder_queue)
    recovery = RecoveryService(store, clock, imports, person_index, exports, reminders)
    verification = VerificationService(store, clock)
    people = UnitPeopleService(store, clock, accounts, verification, outbox.deliver_soon)
    row_edits = RowEditService(store, clock, filings)
    return Container(
        settings=settings, store=store, blobs=blobs, local_transfers=local_transfers, sender=sender, clock=clock,
        token_signer=token_signer, accounts=accounts,
        applications=ApplicationService(store, clock), filings=filings, imports=imports,
        rosters=rosters, row_edits=row_edits,
        review=review,
        desks=DeskService(store, clock, filings),
        versions=VersionService(store, blobs, clock, outbox, filings, settings.base_url),
        units=UnitService(store, clock, outbox, settings.base_url), outbox=outbox,
        reminders=reminders, overdue=overdue,
        enforcement=EnforcementService(store, clock, outbox, settings.base_url),
        stats=stats, exports=exports, persons=PersonService(store, clock),
        unit_lookup=UnitLookup(store, clock), audit=audit,
        recovery=recovery, transfers=TransferService(store, clock, outbox, settings.base_url),
        receipts=ReceiptService(store, clock, filings, settings.secret_key, settings.base_url),
        verification=verification, people=people, assistant=AssistantService(store, clock, people, filings, row_edits),
        wechat=WechatService(store, clock, token_signer, accounts, wechat, wechat_templates))


def register_routes(app: Chalice) -> None:
    """Every route on the app; the embedded backend's local endpoints only where it runs (as S3's endpoints
    exist only on AWS)."""
    from . import web  # web's route modules reach the container through this module

    web.register(app, local_routes=settings_module.backend(os.environ) == "embedded")


_lock = threading.Lock()
_container: Container | None = None


def container() -> Container:
    """The process-wide container (built from the environment on first call)."""
    global _container
    with _lock:
        if _container is None:
            _container = build(settings_module.from_env())
            settle()
            if _container.settings.embedded:
                from .adapters.embedded.background import run_in_background

                # the server (re)starts: clean up after whatever a crash interrupted (AWS: a schedule in app.py)
                run_in_background(_container.recovery.sweep)
        return _container


def settle() -> None:
    """What the process has loaded and built so far lives as long as the process: moved out of the garbage
    collector's reach (gc.freeze), so the full passes that an import's hundreds of thousands of rows set off do
    not walk it again each time (a tenth of a 100,000-row import's CPU: bench/README.md)."""
    gc.freeze()


def override(c: Container | None) -> None:
    """Tests swap in their own container."""
    global _container
    with _lock:
        _container = c

"""One stage of the system (dev or prod): data, files, messaging, the Chalice app, its role and its alarms.

CDK owns every stateful resource and the Lambda role; Chalice (through its CDK construct, which runs
`chalice package`) contributes the API and the functions declared in app.py.
"""
from __future__ import annotations

import json
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aws_cdk as cdk
from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from chalice.cdk import Chalice
from constructs import Construct

ROOT = Path(__file__).resolve().parents[1]  # the Chalice app (app.py, chalicelib/, .chalice/)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from chalicelib.adapters.aws.keys import INDEXES, PK, SK  # noqa: E402  the GSIs the code queries
from chalicelib.web.http import NO_SUCH_ADDRESS, error_body  # noqa: E402  docs/api.md's error shape

APP = "labor-filing"
STAGES = ("dev", "prod")
# The Lambda runtime. `chalice package` takes it from the Python that runs it (the synth's), so the stack makes it
# package for this version instead: the same Runtime in the template and manylinux wheels of the same ABI in the
# bundle (see _lambda_python). python3.11 is deprecated on 2027-06-30, python3.12 on 2028-10-31.
LAMBDA_RUNTIME = "python3.12"
UPLOADS, EXPORTS = "uploads/", "exports/"  # the only key prefixes the app may touch
UPLOAD_DAYS, EXPORT_DAYS = 30, 7  # temporary files: imported workbooks, generated exports
API_MEMORY_MB, API_TIMEOUT_S = 512, 30  # API Gateway gives up after 29 s anyway
IMPORT_MEMORY_MB, IMPORT_TIMEOUT_S = 1024, 300  # a 50 MB workbook is read whole
ON_UPLOAD = "OnUpload"  # logical id of @app.lambda_function(name="on_upload") in chalice's SAM template
REMIND_BATCH = "RemindBatch"  # @app.lambda_function(name="remind_batch"): the daily job's batches
BUILD_EXPORT = "BuildExport"  # @app.lambda_function(name="build_export"): the export worker
# the export worker: CPU-bound on one thread, so a full vCPU (1,769 MB); 5,000,000 rows stream through a temporary
# file of a few hundred MB in /tmp (bench/README.md)
EXPORT_MEMORY_MB, EXPORT_TMP_MB = 1769, 2048
# Background jobs that outlive an API request: logical id → (memory MB, timeout s)
JOB_SIZES = {ON_UPLOAD: (IMPORT_MEMORY_MB, IMPORT_TIMEOUT_S),
             "DailyReminders": (512, 900),  # a reminder day touches every unit that still owes a filing
             "DeliverOutbox": (256, 300),
             REMIND_BATCH: (512, 300),  # 500 units: a transaction each
             BUILD_EXPORT: (EXPORT_MEMORY_MB, 900),  # a province's 5,000,000 rows (bench/README.md)
             "RecoverInterrupted": (512, 300)}  # resumes an approval's person index: tens of thousands of rows
API_HANDLER = "APIHandler"
# Concurrency each function keeps for itself (and may not exceed). Imports are heavy (1 GB, minutes): ten at once
# is a busy filing season, and the SQS event source is held to the same number so nothing is throttled. The
# outbox runs one at a time (two runs could send a message twice); the recovery sweep is safe to overlap and runs
# every minute for up to four; the daily job once. Lambda keeps 100 of the account's concurrency unreserved:
# both stages in one account need a concurrency quota of at least 100 + 2 × 32 (README).
RESERVED_CONCURRENCY = {ON_UPLOAD: 10, "DeliverOutbox": 1, "RecoverInterrupted": 5, "DailyReminders": 1,
                        REMIND_BATCH: 10,  # ten batches at once: 200,000 units in minutes, within DynamoDB's on-demand
                        BUILD_EXPORT: 5}  # exports wait in their queue beyond five at once
JOB_CONCURRENCY = 1  # a scheduled function app.py adds later
# Scheduled (EventBridge, asynchronous) invocations: logical id → (retries, oldest event age s). A missed outbox
# run or sweep is made up by the next one; the daily job is idempotent and worth two more tries. What still
# fails goes to the jobs' dead-letter queue.
JOB_ASYNC = {"DeliverOutbox": (0, 300), "RecoverInterrupted": (0, 120), "DailyReminders": (2, 6 * 3600)}
DEFAULT_JOB_ASYNC = (2, 3600)
UPLOAD_RECEIVES = 3  # an upload notification handled this often without success goes to the uploads DLQ
REMINDER_RECEIVES = 5  # a reminder batch tried this often goes to its DLQ (claiming is idempotent: redrive it)
EXPORT_RECEIVES = 3  # an export message tried this often goes to its DLQ (the recovery sweep sends it again anyway)
DLQ_DAYS = 14  # SQS's longest retention: two weeks to look at and redrive a dead letter
# API stage throttling, requests per second (steady, burst): guards the account's Lambda concurrency (shared with
# the other stage) and the bill against a flood; far above what a province's filers and reviewers send.
API_THROTTLE = {"prod": (100, 200), "dev": (10, 20)}
API_5XX_PER_5_MIN = 5  # 5XX answers in 5 minutes that raise the alarm (one app error already raises AppErrors)
OUTBOX_BACKLOG = 100  # pending messages, 30 minutes on end: sending is failing broadly
METRICS = "LaborFiling"  # CloudWatch namespace of the app's own metrics: LaborFiling/<stage>
# A line the app logs at level ERROR: the Lambda Python runtime's text format starts it with "[ERROR]" (the
# exceptions logged with logging.exception, and an unhandled one). Quoted: the brackets are literal.
APP_ERROR_PATTERN = '"[ERROR]"'
API_STAGE = "api"  # API Gateway stage of the Chalice app (.chalice/config.json api_gateway_stage)
# One JSON line per request. resourcePath (the route template), not path: /act/{token} keeps its token out.
ACCESS_LOG_FORMAT = {"requestId": "$context.requestId", "time": "$context.requestTimeEpoch",
                     "ip": "$context.identity.sourceIp", "method": "$context.httpMethod",
                     "resource": "$context.resourcePath", "status": "$context.status",
                     "bytes": "$context.responseLength", "latencyMs": "$context.responseLatency",
                     "lambdaStatus": "$context.integration.status", "error": "$context.error.message",
                     "throttled": "$context.error.responseType", "userAgent": "$context.identity.userAgent"}
DYNAMODB_ACTIONS = ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                    "ConditionCheckItem")  # no Scan: every read is a key or index lookup (keys.py)


def china(region: str) -> bool:
    return region.startswith("cn-")


@contextmanager
def _lambda_python(runtime: str):
    """`chalice package` for `runtime` whatever Python runs the synth. Chalice derives the runtime, and the ABI of
    the manylinux wheels it downloads, from the running interpreter (Config.lambda_python_version); its pip
    download of those wheels names the ABI but not the Python version, which pip then takes from the running
    interpreter too. Both are pinned here for the duration of the packaging; tests/infra checks the result (the
    template's Runtime, the compiled modules in the bundle)."""
    from chalice.config import Config
    from chalice.deploy.packager import PipRunner
    version = runtime.removeprefix("python")
    saved_version = Config.__dict__["lambda_python_version"]
    saved_download = PipRunner.download_manylinux_wheels

    def download_manylinux_wheels(self, abi, packages, directory, platforms=None):
        execute = self._execute

        def execute_for_version(command, args, *rest, **named):
            if command == "download":
                args = ["--python-version", version, *args]
            return execute(command, args, *rest, **named)
        self._execute = execute_for_version
        try:
            return saved_download(self, abi, packages, directory, platforms)
        finally:
            del self._execute

    Config.lambda_python_version = property(lambda self: runtime)
    PipRunner.download_manylinux_wheels = download_manylinux_wheels
    try:
        with warnings.catch_warnings():  # "You are currently running python3.11 ...": intended
            warnings.filterwarnings("ignore", message="You are currently running")
            yield
    finally:
        Config.lambda_python_version = saved_version
        PipRunner.download_manylinux_wheels = saved_download


@dataclass(frozen=True)
class StageSettings:
    """What differs between dev and prod, from cdk.json's "stages" context (see README)."""

    name: str
    base_url: str  # the public URL links in e-mails point at; also the CORS origin for uploads
    mail_from: str  # SES sender; its domain becomes the SES identity
    region: str
    account: str | None = None
    alarm_email: str | None = None
    alarm_sms: str | None = None  # E.164, e.g. +8613800000000
    existing_table: str | None = None  # serve from this table instead (a point-in-time restore, see README)
    # "create": this stage creates the SES identity of its mail domain; "existing": it exists already (made by the
    # other stage, which uses the same domain, or by hand) and the stage only sends through it (README)
    mail_identity: str = "create"
    # a Chinese SMS provider (docs/sms.md): {"provider": "aliyun"|"tencent", "sign_name", "templates": {…},
    # "app_id" (tencent)}; the access key goes into the SmsCredentials secret after the first deploy (README)
    sms: dict | None = None
    send_rates: str | None = None  # SEND_RATES, e.g. "email=14,sms=20": the sending quotas granted (README)
    # the WeChat mini-program (docs/wechat.md): {"app_id", "templates": {"review_result": id, …}}; the AppSecret goes
    # into the WechatAppSecret secret after the first deploy (README)
    wechat: dict | None = None

    @classmethod
    def from_context(cls, app: Construct, name: str) -> "StageSettings":
        stage = (app.node.try_get_context("stages") or {}).get(name) or {}
        region = stage.get("region") or os.environ.get("CDK_DEFAULT_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        missing = [k for k, v in (("base_url", stage.get("base_url")), ("mail_from", stage.get("mail_from")),
                                  ("region", region)) if not v]
        if missing:
            raise SystemExit(f"stage {name}: set {', '.join(missing)} in infra/cdk.json (context.stages.{name}) "
                             "or, for the region, AWS_DEFAULT_REGION / the profile's region")
        return cls(name=name, base_url=stage["base_url"].rstrip("/"), mail_from=stage["mail_from"], region=region,
                   account=stage.get("account") or os.environ.get("CDK_DEFAULT_ACCOUNT"),
                   alarm_email=stage.get("alarm_email") or None, alarm_sms=stage.get("alarm_sms") or None,
                   existing_table=stage.get("existing_table") or None,
                   mail_identity=stage.get("mail_identity") or "create", sms=sms_settings(name, stage.get("sms")),
                   send_rates=stage.get("send_rates") or None, wechat=wechat_settings(name, stage.get("wechat")))

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rsplit("@", 1)[-1].lower()


def sms_settings(stage: str, sms: dict | None) -> dict | None:
    """A stage's SMS provider, checked at synth (the app would refuse to start without these: chalicelib/settings.py)."""
    if not sms:
        return None
    provider = sms.get("provider")
    needed = ["sign_name", "templates"] + (["app_id"] if provider == "tencent" else [])
    missing = [k for k in needed if not sms.get(k)]
    if provider not in ("aliyun", "tencent") or missing or not isinstance(sms["templates"], dict):
        raise SystemExit(f"stage {stage}: sms needs provider (aliyun or tencent), sign_name, templates (an object)"
                         f"{' and app_id' if provider == 'tencent' else ''} in infra/cdk.json (docs/sms.md)")
    return sms


def wechat_settings(stage: str, wechat: dict | None) -> dict | None:
    """A stage's WeChat mini-program, checked at synth (chalicelib/settings.py refuses the same at start)."""
    if not wechat:
        return None
    if not wechat.get("app_id") or not isinstance(wechat.get("templates", {}), dict):
        raise SystemExit(f"stage {stage}: wechat needs app_id and templates (an object) in infra/cdk.json "
                         "(docs/wechat.md)")
    return wechat


def check_mail_identities(stages: list[StageSettings]) -> None:
    """Stages of one account and region that share a mail domain cannot both create its SES identity (the second
    create fails: the identity exists). One creates it, the others set "mail_identity": "existing"."""
    if any(s.mail_identity not in ("create", "existing") for s in stages):
        raise SystemExit('mail_identity is "create" or "existing" (infra/cdk.json, context.stages)')
    creators: dict[tuple, str] = {}
    for s in stages:
        if s.mail_identity != "create" or china(s.region):
            continue
        where = (s.account, s.region, s.mail_domain)
        if where in creators:
            raise SystemExit(f"stages {creators[where]} and {s.name} both create the SES identity {s.mail_domain}: "
                             f'give each stage its own mail domain, or set "mail_identity": "existing" for '
                             f"{s.name} in infra/cdk.json (see infra/README.md, Mail)")
        creators[where] = s.name


class LaborFilingStack(cdk.Stack):
    def __init__(self, scope: Construct, settings: StageSettings, *, source_dir: Path = ROOT) -> None:
        # The Chalice construct takes its stage name from this stack's id (scope.to_string()), so the id
        # IS the stage name ("dev"/"prod"); the CloudFormation stack gets the longer, unambiguous name.
        super().__init__(scope, settings.name, stack_name=f"{APP}-{settings.name}",
                         env=cdk.Environment(account=settings.account, region=settings.region),
                         description=f"Shanxi labor employment filing system ({settings.name})")
        self.settings = settings
        if any("example." in v for v in (settings.base_url, settings.mail_from)):
            cdk.Annotations.of(self).add_warning_v2(
                "labor-filing:placeholder", f"stage {settings.name}: base_url / mail_from are still the "
                "placeholders of infra/cdk.json; set the real ones before deploying")
        prod = settings.name == "prod"
        keep = RemovalPolicy.RETAIN if prod else RemovalPolicy.DESTROY
        # Kept resources with a FIXED name (the bucket, prod's log groups) would block the retry of a failed first
        # create: CloudFormation keeps them when the stack is deleted, but deletes them when the create rolls back.
        # Kept resources with generated names (table, key, secret) stay Retain; a failed create leaves them
        # behind without blocking anything (README, "A failed first deployment").
        keep_named = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if prod else RemovalPolicy.DESTROY
        prefix = f"{APP}-{settings.name}"
        self.prefix, self.metrics = prefix, f"{METRICS}/{settings.name}"

        self.key = kms.Key(self, "DataKey", alias=f"alias/{prefix}", enable_key_rotation=True, removal_policy=keep,
                           description="Encrypts the filing table and the file bucket",
                           pending_window=Duration.days(30 if prod else 7))
        self.table = self._table(prod, keep)
        # A fixed name, so the S3 → Lambda permission can name the bucket without referring to it (a cycle).
        self.bucket_name = f"{prefix}-files-{Aws.ACCOUNT_ID}-{Aws.REGION}"
        self.bucket = self._bucket(settings)
        self.secret = secretsmanager.Secret(  # a generated name: a deleted secret's name stays taken for 30 days
            self, "SigningKey", removal_policy=keep,
            description="Signs session tokens, CSRF tokens and action links",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True))
        self.alerts = sns.Topic(self, "Alerts", display_name="LaborFile",
                                topic_name=f"{prefix}-alerts")  # alarms; ops subscribe by SMS and e-mail
        if settings.alarm_email:
            self.alerts.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        if settings.alarm_sms and china(settings.region):
            # SNS in the China regions does not take SMS subscriptions to a topic: the subscription would fail
            # the deploy. Ops get the alarms by e-mail (or a subscriber of their own) there.
            cdk.Annotations.of(self).add_warning_v2(
                "labor-filing:alarm-sms-china", f"stage {settings.name}: alarm_sms is ignored in {settings.region} "
                "(no SMS subscriptions to SNS topics in the China regions); set alarm_email (see infra/README.md)")
        elif settings.alarm_sms:
            self.alerts.add_subscription(subscriptions.SmsSubscription(settings.alarm_sms))
        self.mail_domain = settings.mail_domain
        if not china(settings.region) and settings.mail_identity == "create":
            # SES is not offered in the China regions: SMS is the channel there. "existing": the other stage (same
            # domain) or an operator made the identity; this stage only sends through it.
            self.mail_identity = ses.EmailIdentity(self, "MailIdentity", identity=ses.Identity.domain(self.mail_domain))
            for i, record in enumerate(self.mail_identity.dkim_records):
                cdk.CfnOutput(self, f"DkimRecord{i + 1}", value=f"{record.name} CNAME {record.value}")
        # reminders go to SES 50 to a call through this template (chalicelib/adapters/aws/senders.py)
        self.bulk_template = None if china(settings.region) else f"{self.prefix}-message"
        if self.bulk_template:
            ses.CfnTemplate(self, "BulkMailTemplate", template=ses.CfnTemplate.TemplateProperty(
                template_name=self.bulk_template, subject_part="{{subject}}", text_part="{{{body}}}"))

        self.sms_secret = self._sms_channel(settings, keep)
        self.wechat_secret = secretsmanager.Secret(  # a placeholder: the operator puts the AppSecret in (README)
            self, "WechatAppSecret", removal_policy=keep,
            description="AppSecret of the WeChat mini-program (docs/wechat.md)") if settings.wechat else None

        # `chalice package` refuses to run without a region, although its template does not depend on it
        os.environ.setdefault("AWS_DEFAULT_REGION", settings.region)
        self.role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="The Chalice functions' role: this stage's table, bucket prefixes and key")
        self._job_queues()  # before the functions: their environment names the queues
        with _lambda_python(LAMBDA_RUNTIME):
            self.chalice = Chalice(self, "App", source_dir=str(source_dir), stage_config={
                "manage_iam_role": False, "iam_role_arn": self.role.role_arn,
                "api_gateway_endpoint_type": "REGIONAL",  # edge-optimized endpoints do not exist in the China regions
                "lambda_memory_size": API_MEMORY_MB, "lambda_timeout": API_TIMEOUT_S,
                "environment_variables": {
                    "BACKEND": "aws", "TABLE_NAME": self.table.table_name, "BUCKET_NAME": self.bucket_name,
                    "MAIL_FROM": settings.mail_from, "BASE_URL": settings.base_url,
                    "CHANNELS": "sms" if china(settings.region) else "email,sms",
                    "SECRET_ARN": self.secret.secret_arn,
                    "METRICS_NAMESPACE": self.metrics,  # the app's metric lines (chalicelib/lambda_io.py)
                    "REMINDER_QUEUE_URL": self.reminder_queue.queue_url,
                    "EXPORT_QUEUE_URL": self.export_queue.queue_url,
                    **({"SES_BULK_TEMPLATE": self.bulk_template} if self.bulk_template else {}),
                    # the providers' sending quotas, messages a second (README: quotas to request before June)
                    **({"SEND_RATES": settings.send_rates} if settings.send_rates else {}),
                    **self._sms_environment(settings), **self._wechat_environment(settings)},
            })
        self.functions = self._functions(prefix, keep, keep_named)
        self._queues()
        self._grant()
        policy = self.role.node.find_child("DefaultPolicy")
        for fn in self.functions.values():  # the role's policy is in place before any function can run
            fn.node.add_dependency(policy)
        self._notify_uploads(policy)
        self._remind_batches(policy)
        self._build_exports(policy)
        self._jobs()
        self._api(keep, keep_named)
        self._alarms()
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
        cdk.CfnOutput(self, "BucketName", value=self.bucket_name)
        cdk.CfnOutput(self, "SecretArn", value=self.secret.secret_arn)
        cdk.CfnOutput(self, "MailFrom", value=settings.mail_from)
        cdk.CfnOutput(self, "BaseUrl", value=settings.base_url)
        cdk.CfnOutput(self, "AlarmTopic", value=self.alerts.topic_arn)
        cdk.CfnOutput(self, "UploadQueueUrl", value=self.upload_queue.queue_url)
        cdk.CfnOutput(self, "UploadDeadLetterQueueUrl", value=self.upload_dlq.queue_url)
        cdk.CfnOutput(self, "JobDeadLetterQueueUrl", value=self.job_dlq.queue_url)
        cdk.CfnOutput(self, "ReminderDeadLetterQueueUrl", value=self.reminder_dlq.queue_url)
        if self.api_name:
            cdk.CfnOutput(self, "ApiAccessLogGroup", value=self.access_logs.log_group_name)

    # --- data
    def _table(self, prod: bool, keep: RemovalPolicy) -> dynamodb.ITable:
        if self.settings.existing_table:  # the stack's own table (retained) stays where it is, unused
            return dynamodb.Table.from_table_attributes(self, "Table", table_name=self.settings.existing_table,
                                                        encryption_key=self.key, global_indexes=list(INDEXES))
        string = dynamodb.AttributeType.STRING
        table = dynamodb.Table(
            self, "Table", partition_key=dynamodb.Attribute(name=PK, type=string),
            sort_key=dynamodb.Attribute(name=SK, type=string),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED, encryption_key=self.key,
            deletion_protection=prod, removal_policy=keep)
        for name, (pk, sk) in INDEXES.items():
            table.add_global_secondary_index(index_name=name, partition_key=dynamodb.Attribute(name=pk, type=string),
                                             sort_key=dynamodb.Attribute(name=sk, type=string),
                                             projection_type=dynamodb.ProjectionType.ALL)
        return table

    def _bucket(self, settings: StageSettings) -> s3.Bucket:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.base_url))
        return s3.Bucket(
            self, "Files", bucket_name=self.bucket_name, versioned=True, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.KMS, encryption_key=self.key, bucket_key_enabled=True,
            # never lose uploaded files with a stack (empty dev's by hand); a failed first create removes it
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            lifecycle_rules=[
                s3.LifecycleRule(id="temporary-uploads", prefix=UPLOADS, expiration=Duration.days(UPLOAD_DAYS),
                                 noncurrent_version_expiration=Duration.days(1)),
                s3.LifecycleRule(id="temporary-exports", prefix=EXPORTS, expiration=Duration.days(EXPORT_DAYS),
                                 noncurrent_version_expiration=Duration.days(1)),
                s3.LifecycleRule(id="old-versions", noncurrent_version_expiration=Duration.days(30),
                                 abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
            # the browser posts the workbook straight to S3 (presigned POST) from the app's pages
            cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.POST], allowed_origins=[origin],
                              allowed_headers=["*"], max_age=3000)])

    # --- the Chalice functions
    def _functions(self, prefix: str, keep: RemovalPolicy, keep_named: RemovalPolicy) -> dict[str, cdk.CfnResource]:
        """Every function of the SAM template gets a fixed name, the runtime, its own log group and the CDK
        role's policy before it can run (whatever app.py declares: routes, plain functions, schedules); all but
        the API handler get reserved concurrency."""
        found = {}
        packaged = json.loads((Path(self.chalice._sam_package_dir) / "sam.json").read_text())["Resources"]
        for child in self.chalice.sam_template.node.children:
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Serverless::Function":
                found[child.node.id] = child
        if ON_UPLOAD not in found:
            raise SystemExit(f"app.py lacks @app.lambda_function(name='on_upload'): no {ON_UPLOAD} in {sorted(found)}")
        self.log_groups = {}
        for logical_id, fn in found.items():
            name = f"{prefix}-{logical_id}"
            fn.add_property_override("FunctionName", name)
            runtime = packaged[logical_id]["Properties"].get("Runtime")
            if runtime != LAMBDA_RUNTIME:  # what _lambda_python had chalice package for
                raise SystemExit(f"chalice packaged {logical_id} for {runtime}, not {LAMBDA_RUNTIME}")
            if logical_id != API_HANDLER:
                fn.add_property_override("ReservedConcurrentExecutions",
                                         RESERVED_CONCURRENCY.get(logical_id, JOB_CONCURRENCY))
            group = logs.LogGroup(self, f"{logical_id}Logs", log_group_name=f"/aws/lambda/{name}",
                                  retention=self._retention(keep), removal_policy=keep_named)
            self.log_groups[logical_id] = group
            fn.node.add_dependency(group)
        for logical_id, (memory, timeout) in JOB_SIZES.items():
            if logical_id in found:
                found[logical_id].add_property_override("MemorySize", memory)
                found[logical_id].add_property_override("Timeout", timeout)
        return found

    @staticmethod
    def _retention(keep: RemovalPolicy) -> logs.RetentionDays:
        return logs.RetentionDays.ONE_YEAR if keep == RemovalPolicy.RETAIN else logs.RetentionDays.ONE_MONTH

    # --- queues: uploads to import, and what the asynchronous functions could not do
    def _queues(self) -> None:
        self.upload_dlq = sqs.Queue(self, "UploadDeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED,
                                    enforce_ssl=True, retention_period=Duration.days(DLQ_DAYS))
        _, import_timeout = JOB_SIZES[ON_UPLOAD]
        self.upload_queue = sqs.Queue(
            self, "Uploads", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            # AWS's advice for a Lambda event source: six times the function's timeout, so a message is not
            # handed out again while an invocation (or its retries after a throttle) may still hold it
            visibility_timeout=Duration.seconds(6 * import_timeout), retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.upload_dlq, max_receive_count=UPLOAD_RECEIVES))
        self.job_dlq = sqs.Queue(self, "JobDeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED,
                                 enforce_ssl=True, retention_period=Duration.days(DLQ_DAYS))

    def _job_queues(self) -> None:
        """The daily job's batches (planned by DailyReminders, claimed by RemindBatch) and the exports asked for
        (sent by the API, built by BuildExport)."""
        self.reminder_dlq = sqs.Queue(self, "ReminderDeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED,
                                      enforce_ssl=True, retention_period=Duration.days(DLQ_DAYS))
        _, timeout = JOB_SIZES[REMIND_BATCH]
        self.reminder_queue = sqs.Queue(
            self, "ReminderBatches", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            visibility_timeout=Duration.seconds(6 * timeout), retention_period=Duration.days(2),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.reminder_dlq, max_receive_count=REMINDER_RECEIVES))
        # exports asked for: the API sends each export's id, BuildExport builds it (services/exports.py)
        self.export_dlq = sqs.Queue(self, "ExportDeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED,
                                    enforce_ssl=True, retention_period=Duration.days(DLQ_DAYS))
        _, timeout = JOB_SIZES[BUILD_EXPORT]
        self.export_queue = sqs.Queue(
            self, "Exports", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            visibility_timeout=Duration.seconds(6 * timeout), retention_period=Duration.days(1),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.export_dlq, max_receive_count=EXPORT_RECEIVES))

    def _remind_batches(self, policy: Construct) -> None:
        if REMIND_BATCH not in self.functions:
            return
        mapping = lambda_.CfnEventSourceMapping(
            self, "ReminderBatchesToRemindBatch", function_name=self.functions[REMIND_BATCH].ref,
            event_source_arn=self.reminder_queue.queue_arn, batch_size=1, enabled=True,
            scaling_config=lambda_.CfnEventSourceMapping.ScalingConfigProperty(
                maximum_concurrency=RESERVED_CONCURRENCY[REMIND_BATCH]))
        mapping.node.add_dependency(policy)

    def _build_exports(self, policy: Construct) -> None:
        if BUILD_EXPORT not in self.functions:
            return
        self.functions[BUILD_EXPORT].add_property_override("EphemeralStorage", {"Size": EXPORT_TMP_MB})
        mapping = lambda_.CfnEventSourceMapping(
            self, "ExportsToBuildExport", function_name=self.functions[BUILD_EXPORT].ref,
            event_source_arn=self.export_queue.queue_arn, batch_size=1, enabled=True,
            scaling_config=lambda_.CfnEventSourceMapping.ScalingConfigProperty(
                maximum_concurrency=RESERVED_CONCURRENCY[BUILD_EXPORT]))
        mapping.node.add_dependency(policy)

    def _sms_channel(self, settings: StageSettings, keep: RemovalPolicy) -> secretsmanager.Secret | None:
        """The SMS provider's access key, when the stage has one; where there is none in China, synth says that
        messages will not reach anyone (no SES there, and SNS sends no SMS in the China regions)."""
        if settings.sms is None:
            if china(settings.region):
                cdk.Annotations.of(self).add_warning_v2(
                    "labor-filing:no-sms-china", f"stage {settings.name}: no SMS provider set (sms in infra/cdk.json): "
                    f"in {settings.region} notifications cannot be delivered without one (docs/sms.md)")
            return None
        # a placeholder in the right shape; the operator puts the real key in after the first deploy (README)
        return secretsmanager.Secret(
            self, "SmsCredentials", removal_policy=keep,
            description=f"Access key of the {settings.sms['provider']} SMS service (docs/sms.md)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"access_key_id": "SET-ME"}),
                generate_string_key="access_key_secret", exclude_punctuation=True))

    def _sms_environment(self, settings: StageSettings) -> dict[str, str]:
        sms = settings.sms
        if sms is None or self.sms_secret is None:
            return {}
        env = {"SMS_PROVIDER": sms["provider"], "SMS_SIGN_NAME": sms["sign_name"],
               "SMS_TEMPLATES": json.dumps(sms["templates"], ensure_ascii=False),
               "SMS_SECRET_ARN": self.sms_secret.secret_arn}
        if sms.get("app_id"):
            env["SMS_APP_ID"] = str(sms["app_id"])
        return env

    def _wechat_environment(self, settings: StageSettings) -> dict[str, str]:
        if settings.wechat is None or self.wechat_secret is None:
            return {}
        return {"WECHAT_APP_ID": str(settings.wechat["app_id"]), "WECHAT_SECRET_ARN": self.wechat_secret.secret_arn,
                "WECHAT_TEMPLATES": json.dumps(settings.wechat.get("templates") or {})}

    def _grant(self) -> None:
        """Least privilege: named actions only, each on this stage's resources only."""
        table_arn = self.table.table_arn
        self.role.add_to_policy(iam.PolicyStatement(
            sid="Table", actions=[f"dynamodb:{a}" for a in DYNAMODB_ACTIONS],
            resources=[table_arn, *(f"{table_arn}/index/{name}" for name in INDEXES)]))
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"
        self.role.add_to_policy(iam.PolicyStatement(
            sid="Files", actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resources=[f"{bucket_arn}/{p}*" for p in (UPLOADS, EXPORTS)]))
        # Without ListBucket S3 answers 403 instead of 404 for a missing key, and the blob store needs the 404.
        self.role.add_to_policy(iam.PolicyStatement(sid="FilesExist", actions=["s3:ListBucket"],
                                                    resources=[bucket_arn]))
        self.role.add_to_policy(iam.PolicyStatement(  # table and bucket encryption (SSE-KMS); presigned POSTs too
            sid="DataKey", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            resources=[self.key.key_arn]))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="Secrets", actions=["secretsmanager:GetSecretValue"],
            resources=[self.secret.secret_arn, *(s.secret_arn for s in (self.sms_secret, self.wechat_secret) if s)]))
        if not china(self.settings.region):
            identities = [self.format_arn(service="ses", resource="identity", resource_name=i,
                                          arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME)
                          for i in (self.mail_domain, self.settings.mail_from)]
            self.role.add_to_policy(iam.PolicyStatement(
                sid="Mail", actions=["ses:SendEmail"], resources=identities,
                conditions={"StringEquals": {"ses:FromAddress": self.settings.mail_from}}))
            template = self.format_arn(service="ses", resource="template", resource_name=self.bulk_template,
                                       arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME)
            self.role.add_to_policy(iam.PolicyStatement(  # the reminders, 50 to a call
                sid="BulkMail", actions=["ses:SendBulkTemplatedEmail"], resources=[*identities, template],
                conditions={"StringEquals": {"ses:FromAddress": self.settings.mail_from}}))
        # SMS goes straight to a phone number, which has no ARN; NotResource excludes every topic.
        self.role.add_to_policy(iam.PolicyStatement(sid="Sms", actions=["sns:Publish"],
                                                    not_resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"]))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[f"{g.log_group_arn}" for g in self.log_groups.values()]))
        # on_upload reads the upload queue through its event source mapping (the function's role polls)
        self.role.add_to_policy(iam.PolicyStatement(
            sid="UploadQueue", actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                                        "sqs:GetQueueAttributes"],
            resources=[self.upload_queue.queue_arn]))
        # the daily job sends the reminder batches; RemindBatch reads them through its event source mapping
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ReminderQueue", actions=["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                                          "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
            resources=[self.reminder_queue.queue_arn]))
        # the API (and the recovery sweep) send exports to build; BuildExport reads them through its mapping
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ExportQueue", actions=["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                                        "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
            resources=[self.export_queue.queue_arn]))
        # Lambda sends a scheduled function's failed event to its on-failure destination as the function's role
        self.role.add_to_policy(iam.PolicyStatement(sid="JobDeadLetters", actions=["sqs:SendMessage"],
                                                    resources=[self.job_dlq.queue_arn]))

    def _notify_uploads(self, policy: Construct) -> None:
        """S3 ObjectCreated under uploads/ → the upload queue → on_upload, one message per invocation (an import
        takes minutes). A message that fails UPLOAD_RECEIVES times moves to the uploads dead-letter queue.
        Chalice's template cannot attach an event to a bucket it does not own, so the bucket's own configuration
        names the queue; the queue's policy admits this bucket and account only."""
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"
        self.upload_queue.add_to_resource_policy(iam.PolicyStatement(
            sid="S3SendsUploads", actions=["sqs:SendMessage"], resources=[self.upload_queue.queue_arn],
            principals=[iam.ServicePrincipal("s3.amazonaws.com")],
            conditions={"ArnEquals": {"aws:SourceArn": bucket_arn},
                        "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        cfn_bucket: s3.CfnBucket = self.bucket.node.default_child
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[s3.CfnBucket.QueueConfigurationProperty(
                event="s3:ObjectCreated:*", queue=self.upload_queue.queue_arn,
                filter=s3.CfnBucket.NotificationFilterProperty(s3_key=s3.CfnBucket.S3KeyFilterProperty(
                    rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=UPLOADS)])))])
        # S3 sends a test message when the notification is configured: the queue must admit it by then
        cfn_bucket.node.add_dependency(self.upload_queue.node.find_child("Policy"))
        mapping = lambda_.CfnEventSourceMapping(
            self, "UploadsToOnUpload", function_name=self.functions[ON_UPLOAD].ref,
            event_source_arn=self.upload_queue.queue_arn, batch_size=1, enabled=True,
            scaling_config=lambda_.CfnEventSourceMapping.ScalingConfigProperty(
                maximum_concurrency=RESERVED_CONCURRENCY[ON_UPLOAD]))
        mapping.node.add_dependency(policy)  # Lambda checks the role may read the queue when mapping it

    def _jobs(self) -> None:
        """The scheduled functions (EventBridge invokes them asynchronously): few retries, a short event age,
        and what still fails — an error after the retries, or an event too old — to the jobs' dead-letter
        queue."""
        for logical_id, fn in self.functions.items():
            if logical_id in (API_HANDLER, ON_UPLOAD, REMIND_BATCH, BUILD_EXPORT):  # not scheduled: API or a queue
                continue
            retries, max_age = JOB_ASYNC.get(logical_id, DEFAULT_JOB_ASYNC)
            config = lambda_.CfnEventInvokeConfig(
                self, f"{logical_id}Async", function_name=fn.ref, qualifier="$LATEST",
                maximum_retry_attempts=retries, maximum_event_age_in_seconds=max_age,
                destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                    on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(destination=self.job_dlq.queue_arn)))
            config.node.add_dependency(self.role.node.find_child("DefaultPolicy"))  # may send to the queue

    # --- the API stage: throttling and access logs
    def _api(self, keep: RemovalPolicy, keep_named: RemovalPolicy) -> None:
        """Stage-wide throttling and JSON access logs. Access logs need the account's API Gateway CloudWatch role
        (a per-account, per-region setting): each stage sets it to a role of its own, kept when the stack goes,
        so deleting one stage never leaves the other's API pointing at a deleted role."""
        api = self.chalice.sam_template.node.try_find_child("RestAPI")  # none in an app without routes
        self.api_name = self.prefix if api is not None else None  # the ApiName of the API's metrics: one per stage
        rate, burst = API_THROTTLE[self.settings.name]
        if api is None:
            return
        self.access_logs = logs.LogGroup(self, "ApiAccessLogs", log_group_name=f"/aws/apigateway/{self.prefix}-access",
                                         retention=self._retention(keep), removal_policy=keep_named)
        push_role = iam.Role(
            self, "ApiGatewayLogsRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway writes access logs to CloudWatch Logs (the account setting)",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs")])
        push_role.apply_removal_policy(RemovalPolicy.RETAIN)
        account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=push_role.role_arn)
        account.apply_removal_policy(RemovalPolicy.RETAIN)  # deleting it resets nothing; keep CloudFormation quiet
        api.add_property_override("Name", self.api_name)
        api.add_property_override("MethodSettings", [{
            "HttpMethod": "*", "ResourcePath": "/*", "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst,
            "MetricsEnabled": False, "LoggingLevel": "OFF"}])  # execution logs off: they would hold bodies
        api.add_property_override("AccessLogSetting", {
            "DestinationArn": self.access_logs.log_group_arn,
            "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":"))})
        api.node.add_dependency(account)  # the account's role is set before the stage logs
        # a path or method no route has: a Chinese 404 in docs/api.md's error shape instead of API Gateway's
        # 403 "Missing Authentication Token" (the embedded server answers the same: chalicelib/web/wsgi.py)
        api.add_property_override("GatewayResponses", {"MISSING_AUTHENTICATION_TOKEN": {
            "StatusCode": "404",
            "ResponseParameters": {"Headers": {"Content-Type": "'application/json; charset=utf-8'"}},
            "ResponseTemplates": {"application/json": json.dumps(
                error_body("not_found", NO_SUCH_ADDRESS), ensure_ascii=False)}}})

    def _alarm(self, alarm_id: str, suffix: str, description: str, metric: cloudwatch.IMetric, threshold: float,
               periods: int = 1) -> cloudwatch.Alarm:
        name = f"{self.prefix}-{suffix}"
        alarm = cloudwatch.Alarm(
            self, alarm_id, alarm_name=name, alarm_description=f"{name}: {description}", metric=metric,
            threshold=threshold, evaluation_periods=periods, datapoints_to_alarm=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.alerts))
        return alarm

    def _alarms(self) -> None:
        five = Duration.minutes(5)
        for logical_id in self.functions:
            name = f"{self.prefix}-{logical_id}"
            for metric in ("Errors", "Throttles"):
                self._alarm(f"{logical_id}{metric}", f"{logical_id}-{metric.lower()}",
                            f"{metric.lower()} in the last 5 minutes",
                            cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric, statistic="Sum", period=five,
                                              dimensions_map={"FunctionName": name}), 1)
        # The app answers its own exceptions (a 500 page or JSON error, a failed import), so Lambda's Errors stay
        # at 0: every "[ERROR]" line it logs (logging.exception, Lambda's text log format) counts instead.
        for logical_id, group in self.log_groups.items():
            logs.MetricFilter(self, f"{logical_id}AppErrorLines", log_group=group, metric_namespace=self.metrics,
                              metric_name="AppErrors", filter_pattern=logs.FilterPattern.literal(APP_ERROR_PATTERN),
                              metric_value="1")
        self._alarm("AppErrors", "app-errors", "the app logged an error in the last 5 minutes (see the log groups)",
                    cloudwatch.Metric(namespace=self.metrics, metric_name="AppErrors", statistic="Sum", period=five), 1)
        if self.api_name:
            self._alarm("Api5xx", "api-5xx", f"at least {API_5XX_PER_5_MIN} 5XX answers in 5 minutes",
                        cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name="5XXError", statistic="Sum",
                                          period=five, dimensions_map={"ApiName": self.api_name, "Stage": API_STAGE}),
                        API_5XX_PER_5_MIN)
        # deliver_outbox prints these every run (chalicelib/lambda_io.py)
        self._alarm("OutboxBacklog", "outbox-backlog",
                    f"{OUTBOX_BACKLOG} or more messages still pending after every outbox run for 30 minutes",
                    cloudwatch.Metric(namespace=self.metrics, metric_name="OutboxPending", statistic="Minimum",
                                      period=five), OUTBOX_BACKLOG, periods=6)
        self._alarm("OutboxFailed", "outbox-failed", "messages used up their attempts and will not be sent",
                    cloudwatch.Metric(namespace=self.metrics, metric_name="OutboxFailed", statistic="Sum",
                                      period=five), 1)
        # the daily job prints these (chalicelib/lambda_io.py daily_metrics)
        self._alarm("ReminderPlanLate", "reminder-plan-late",
                    "the day's reminders cannot be delivered at the sending rates before they expire (README: quotas)",
                    cloudwatch.Metric(namespace=self.metrics, metric_name="ReminderPlanLate", statistic="Maximum",
                                      period=Duration.hours(1)), 1)
        self._alarm("OutboxDropped", "outbox-dropped", "reminders expired before they could be sent",
                    cloudwatch.Metric(namespace=self.metrics, metric_name="OutboxDropped", statistic="Sum",
                                      period=five), 1)
        for alarm_id, suffix, queue in (("UploadDeadLetterAlarm", "uploads-dlq", self.upload_dlq),
                                        ("JobDeadLetterAlarm", "jobs-dlq", self.job_dlq),
                                        ("ReminderDeadLetterAlarm", "reminders-dlq", self.reminder_dlq),
                                        ("ExportDeadLetterAlarm", "exports-dlq", self.export_dlq)):
            self._alarm(alarm_id, suffix, "messages in the dead-letter queue (README: redrive)",
                        queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=five), 1)

"""One stage of the system (dev or prod): data, files, messaging, the Chalice app, its role and its alarms.

CDK owns every stateful resource and the Lambda role; Chalice (through its CDK construct, which runs
`chalice package`) contributes the API and the functions declared in app.py.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aws_cdk as cdk
from aws_cdk import Aws, Duration, RemovalPolicy
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
from chalice.cdk import Chalice
from constructs import Construct

ROOT = Path(__file__).resolve().parents[1]  # the Chalice app (app.py, chalicelib/, .chalice/)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from chalicelib.adapters.aws.keys import INDEXES, PK, SK  # noqa: E402  the GSIs the code queries

APP = "labor-filing"
STAGES = ("dev", "prod")
UPLOADS, EXPORTS = "uploads/", "exports/"  # the only key prefixes the app may touch
UPLOAD_DAYS, EXPORT_DAYS = 30, 7  # temporary files: imported workbooks, generated exports
API_MEMORY_MB, API_TIMEOUT_S = 512, 30  # API Gateway gives up after 29 s anyway
IMPORT_MEMORY_MB, IMPORT_TIMEOUT_S = 1024, 300  # a 50 MB workbook is read whole
ON_UPLOAD = "OnUpload"  # logical id of @app.lambda_function(name="on_upload") in chalice's SAM template
# Background jobs that outlive an API request: logical id → (memory MB, timeout s)
JOB_SIZES = {ON_UPLOAD: (IMPORT_MEMORY_MB, IMPORT_TIMEOUT_S),
             "DailyReminders": (512, 900),  # a reminder day touches every unit that still owes a filing
             "DeliverOutbox": (256, 300),
             "RecoverInterrupted": (512, 300)}  # resumes an approval's person index: tens of thousands of rows
DYNAMODB_ACTIONS = ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                    "ConditionCheckItem")  # no Scan: every read is a key or index lookup (keys.py)


def china(region: str) -> bool:
    return region.startswith("cn-")


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
                   existing_table=stage.get("existing_table") or None)


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
        prefix = f"{APP}-{settings.name}"

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
        if settings.alarm_sms:
            self.alerts.add_subscription(subscriptions.SmsSubscription(settings.alarm_sms))
        self.mail_domain = settings.mail_from.rsplit("@", 1)[-1]
        if not china(settings.region):  # SES is not offered in the China regions: SMS is the channel there
            self.mail_identity = ses.EmailIdentity(self, "MailIdentity", identity=ses.Identity.domain(self.mail_domain))
            for i, record in enumerate(self.mail_identity.dkim_records):
                cdk.CfnOutput(self, f"DkimRecord{i + 1}", value=f"{record.name} CNAME {record.value}")

        # `chalice package` refuses to run without a region, although its template does not depend on it
        os.environ.setdefault("AWS_DEFAULT_REGION", settings.region)
        self.role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="The Chalice functions' role: this stage's table, bucket prefixes and key")
        self.chalice = Chalice(self, "App", source_dir=str(source_dir), stage_config={
            "manage_iam_role": False, "iam_role_arn": self.role.role_arn,
            "api_gateway_endpoint_type": "REGIONAL",  # edge-optimized endpoints do not exist in the China regions
            "lambda_memory_size": API_MEMORY_MB, "lambda_timeout": API_TIMEOUT_S,
            "environment_variables": {
                "BACKEND": "aws", "TABLE_NAME": self.table.table_name, "BUCKET_NAME": self.bucket_name,
                "MAIL_FROM": settings.mail_from, "BASE_URL": settings.base_url,
                "CHANNELS": "sms" if china(settings.region) else "email,sms",
                "SECRET_ARN": self.secret.secret_arn},
        })
        self.functions = self._functions(prefix, keep)
        self._grant()
        for fn in self.functions.values():  # the role's policy is in place before any function can run
            fn.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        self._notify_uploads()
        self._alarms()
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
        cdk.CfnOutput(self, "BucketName", value=self.bucket_name)
        cdk.CfnOutput(self, "SecretArn", value=self.secret.secret_arn)
        cdk.CfnOutput(self, "MailFrom", value=settings.mail_from)
        cdk.CfnOutput(self, "BaseUrl", value=settings.base_url)
        cdk.CfnOutput(self, "AlarmTopic", value=self.alerts.topic_arn)

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
            removal_policy=RemovalPolicy.RETAIN,  # never lose uploaded files with a stack; empty dev's by hand
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
    def _functions(self, prefix: str, keep: RemovalPolicy) -> dict[str, cdk.CfnResource]:
        """Every function of the SAM template gets a fixed name, its own log group and the CDK role's policy
        before it can run (whatever app.py declares: routes, plain functions, schedules)."""
        found = {}
        for child in self.chalice.sam_template.node.children:
            if isinstance(child, cdk.CfnResource) and child.cfn_resource_type == "AWS::Serverless::Function":
                found[child.node.id] = child
        if ON_UPLOAD not in found:
            raise SystemExit(f"app.py lacks @app.lambda_function(name='on_upload'): no {ON_UPLOAD} in {sorted(found)}")
        self.log_groups = {}
        for logical_id, fn in found.items():
            name = f"{prefix}-{logical_id}"
            fn.add_property_override("FunctionName", name)
            group = logs.LogGroup(self, f"{logical_id}Logs", log_group_name=f"/aws/lambda/{name}",
                                  retention=logs.RetentionDays.ONE_YEAR if keep == RemovalPolicy.RETAIN
                                  else logs.RetentionDays.ONE_MONTH, removal_policy=keep)
            self.log_groups[logical_id] = group
            fn.node.add_dependency(group)
        for logical_id, (memory, timeout) in JOB_SIZES.items():
            if logical_id in found:
                found[logical_id].add_property_override("MemorySize", memory)
                found[logical_id].add_property_override("Timeout", timeout)
        return found

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
        self.role.add_to_policy(iam.PolicyStatement(sid="SigningKey", actions=["secretsmanager:GetSecretValue"],
                                                    resources=[self.secret.secret_arn]))
        if not china(self.settings.region):
            identities = [self.format_arn(service="ses", resource="identity", resource_name=i,
                                          arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME)
                          for i in (self.mail_domain, self.settings.mail_from)]
            self.role.add_to_policy(iam.PolicyStatement(
                sid="Mail", actions=["ses:SendEmail"], resources=identities,
                conditions={"StringEquals": {"ses:FromAddress": self.settings.mail_from}}))
        # SMS goes straight to a phone number, which has no ARN; NotResource excludes every topic.
        self.role.add_to_policy(iam.PolicyStatement(sid="Sms", actions=["sns:Publish"],
                                                    not_resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"]))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="Logs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[f"{g.log_group_arn}" for g in self.log_groups.values()]))

    def _notify_uploads(self) -> None:
        """S3 ObjectCreated under uploads/ invokes on_upload (Chalice's template cannot attach an event to a
        bucket it does not own, so the bucket's own configuration names the function)."""
        on_upload = self.chalice.get_function(ON_UPLOAD)
        permission = lambda_.CfnPermission(
            self, "S3InvokesOnUpload", action="lambda:InvokeFunction", principal="s3.amazonaws.com",
            function_name=on_upload.function_arn, source_account=Aws.ACCOUNT_ID,
            source_arn=f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}")
        cfn_bucket: s3.CfnBucket = self.bucket.node.default_child
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            lambda_configurations=[s3.CfnBucket.LambdaConfigurationProperty(
                event="s3:ObjectCreated:*", function=on_upload.function_arn,
                filter=s3.CfnBucket.NotificationFilterProperty(s3_key=s3.CfnBucket.S3KeyFilterProperty(
                    rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=UPLOADS)])))])
        cfn_bucket.node.add_dependency(permission)  # S3 checks it may invoke the function when configured

    def _alarms(self) -> None:
        action = cloudwatch_actions.SnsAction(self.alerts)
        for logical_id, fn in self.functions.items():
            name = f"{APP}-{self.settings.name}-{logical_id}"
            for metric in ("Errors", "Throttles"):
                alarm = cloudwatch.Alarm(
                    self, f"{logical_id}{metric}", alarm_name=f"{name}-{metric.lower()}",
                    alarm_description=f"{name}: {metric.lower()} in the last 5 minutes",
                    metric=cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric, statistic="Sum",
                                             period=Duration.minutes(5), dimensions_map={"FunctionName": name}),
                    threshold=1, evaluation_periods=1,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
                alarm.add_alarm_action(action)

"""What the synthesized stacks promise: the data is encrypted and recoverable, the files private, the app's
settings reach every function, the role can do what the code does and nothing else, failures raise alarms."""
from __future__ import annotations

import ast
import json

import pytest

from chalicelib.adapters.aws.keys import INDEXES

from .helpers import (CHINA, GLOBAL, ROOT, allow_statements, as_list, cdk_context, functions, only, resources,
                      settings, synth)


def ref(logical_id: str) -> dict:
    return {"Ref": logical_id}


def arn_of(logical_id: str) -> dict:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


# --- the table
def test_the_table_has_the_keys_and_indexes_the_code_queries(china_prod):
    _, table = only(china_prod.json, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"},
                                  {"AttributeName": "SK", "KeyType": "RANGE"}]
    indexes = {g["IndexName"]: g for g in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == set(INDEXES)
    for name, (pk, sk) in INDEXES.items():
        assert indexes[name]["KeySchema"] == [{"AttributeName": pk, "KeyType": "HASH"},
                                              {"AttributeName": sk, "KeyType": "RANGE"}]
        assert indexes[name]["Projection"] == {"ProjectionType": "ALL"}
    assert {a["AttributeType"] for a in props["AttributeDefinitions"]} == {"S"}
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_the_table_is_encrypted_with_the_stage_key_and_has_point_in_time_recovery(any_stack):
    key_id, key = only(any_stack.json, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    _, table = only(any_stack.json, "AWS::DynamoDB::Table")
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS",
                                                       "KMSMasterKeyId": arn_of(key_id)}
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_prod_keeps_its_data_and_dev_can_be_torn_down(china_prod, china_dev):
    for kind in ("AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::SecretsManager::Secret"):
        _, res = only(china_prod.json, kind)
        assert res["DeletionPolicy"] == "Retain", kind
    # kept when the stack is deleted, but not when its first create rolls back (fixed names: see below)
    assert only(china_prod.json, "AWS::S3::Bucket")[1]["DeletionPolicy"] == "RetainExceptOnCreate"
    assert only(china_prod.json, "AWS::DynamoDB::Table")[1]["Properties"]["DeletionProtectionEnabled"] is True
    assert all(g["DeletionPolicy"] == "RetainExceptOnCreate" and g["UpdateReplacePolicy"] == "Retain"
               for g in resources(china_prod.json, "AWS::Logs::LogGroup").values())

    _, dev_table = only(china_dev.json, "AWS::DynamoDB::Table")
    assert dev_table["DeletionPolicy"] == "Delete"
    assert not dev_table["Properties"].get("DeletionProtectionEnabled")
    # uploaded files outlive a stack
    assert only(china_dev.json, "AWS::S3::Bucket")[1]["DeletionPolicy"] == "RetainExceptOnCreate"


NAME_PROPERTIES = ("BucketName", "LogGroupName", "TableName", "Name", "QueueName", "TopicName", "FunctionName",
                   "AliasName", "RoleName", "EmailIdentity")


def test_a_failed_first_create_leaves_nothing_with_a_fixed_name_behind(any_stack):
    """CloudFormation keeps "Retain" resources when a create rolls back; one with a fixed name (the bucket, a log
    group) would make the retry fail ("already exists"). Those are RetainExceptOnCreate; what stays Retain has a
    generated name and blocks nothing (README, "A failed first deployment")."""
    for logical_id, res in any_stack.json["Resources"].items():
        if res.get("DeletionPolicy") != "Retain":
            continue
        fixed = [p for p in NAME_PROPERTIES if p in res.get("Properties", {})]
        assert not fixed, (logical_id, fixed)


# --- the bucket
def test_the_bucket_is_private_versioned_encrypted_and_tls_only(any_stack):
    bucket_id, bucket = only(any_stack.json, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    key_id, _ = only(any_stack.json, "AWS::KMS::Key")
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn_of(key_id)}
    _, policy = only(any_stack.json, "AWS::S3::BucketPolicy")
    assert policy["Properties"]["Bucket"] == ref(bucket_id)
    denials = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Principal"] == {"AWS": "*"}
               for s in denials), denials


def test_temporary_uploads_and_exports_expire(china_prod):
    from filing_stack import EXPORT_DAYS, UPLOAD_DAYS
    _, bucket = only(china_prod.json, "AWS::S3::Bucket")
    rules = {r.get("Prefix"): r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["uploads/"]["ExpirationInDays"] == UPLOAD_DAYS and rules["uploads/"]["Status"] == "Enabled"
    assert rules["exports/"]["ExpirationInDays"] == EXPORT_DAYS and rules["exports/"]["Status"] == "Enabled"
    assert all("NoncurrentVersionExpiration" in r for r in rules.values())  # versioning keeps no garbage forever


def test_browsers_may_post_uploads_from_the_app_origin_only(china_prod):
    _, bucket = only(china_prod.json, "AWS::S3::Bucket")
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == ["https://ba-prod.example.cn"]


# --- the S3 event, through a queue
def _queues(t: dict) -> tuple[tuple[str, dict], tuple[str, dict], tuple[str, dict]]:
    """(uploads queue, its dead-letter queue, the jobs' dead-letter queue), each as (logical id, resource)."""
    queues = {k: q for k, q in resources(t, "AWS::SQS::Queue").items() if not k.startswith(("Reminder", "Export"))}
    (upload_id, upload), = [(k, q) for k, q in queues.items() if "RedrivePolicy" in q["Properties"]]
    dlq_id = upload["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    (job_id, job), = [(k, q) for k, q in queues.items() if k not in (upload_id, dlq_id)]
    return (upload_id, upload), (dlq_id, queues[dlq_id]), (job_id, job)


def test_a_new_upload_goes_through_a_queue_with_a_dead_letter_queue(any_stack):
    from filing_stack import DLQ_DAYS, JOB_SIZES, UPLOAD_RECEIVES
    t = any_stack.json
    bucket_id, bucket = only(t, "AWS::S3::Bucket")
    (queue_id, queue), (dlq_id, dlq), _ = _queues(t)
    notifications = bucket["Properties"]["NotificationConfiguration"]
    assert "LambdaConfigurations" not in notifications
    (config,) = notifications["QueueConfigurations"]
    assert config["Event"] == "s3:ObjectCreated:*" and config["Queue"] == arn_of(queue_id)
    assert config["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == UPLOAD_RECEIVES
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * JOB_SIZES["OnUpload"][1]  # AWS's advice for Lambda
    assert dlq["Properties"]["MessageRetentionPeriod"] == DLQ_DAYS * 86400
    for q in (queue, dlq):
        assert q["Properties"]["SqsManagedSseEnabled"] is True
    # only this bucket, of this account, may send to the queue; the bucket waits for that policy (S3 tests it)
    policies = [p for p in resources(t, "AWS::SQS::QueuePolicy").values() if p["Properties"]["Queues"] == [ref(queue_id)]]
    (policy_id, policy), = [(k, p) for k, p in resources(t, "AWS::SQS::QueuePolicy").items()
                            if p["Properties"]["Queues"] == [ref(queue_id)]]
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    bucket_arn = {"Fn::Join": ["", ["arn:", ref("AWS::Partition"), ":s3:::", bucket["Properties"]["BucketName"]]]}
    assert _flat(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == _flat(bucket_arn)
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": ref("AWS::AccountId")}
    assert policy_id in as_list(bucket["DependsOn"]) and policies
    # no direct S3 → Lambda invocation any more
    assert not [p for p in resources(t, "AWS::Lambda::Permission").values()
                if p["Properties"]["Principal"] == "s3.amazonaws.com"]


def test_the_import_function_consumes_the_queue_one_upload_at_a_time(any_stack):
    from filing_stack import RESERVED_CONCURRENCY
    t = any_stack.json
    (queue_id, _), (dlq_id, _), _ = _queues(t)
    assert functions(t)["OnUpload"]["Properties"]["Handler"] == "app.on_upload"
    (mapping,) = [m for m in resources(t, "AWS::Lambda::EventSourceMapping").values()
                  if m["Properties"]["FunctionName"] == ref("OnUpload")]
    props = mapping["Properties"]
    assert props["EventSourceArn"] == arn_of(queue_id)
    assert props["BatchSize"] == 1  # an import takes minutes
    # never more pollers than the function may run: a throttled message would count as a failed receive
    assert props["ScalingConfig"]["MaximumConcurrency"] <= RESERVED_CONCURRENCY["OnUpload"]
    policy_id, _ = only(t, "AWS::IAM::Policy")
    assert policy_id in as_list(mapping["DependsOn"])  # Lambda checks the role may read the queue
    (reminders_id,) = [k for k in resources(t, "AWS::SQS::Queue") if k.startswith("ReminderBatches")]
    (exports_id,) = [k for k in resources(t, "AWS::SQS::Queue") if k.startswith("Exports")]
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):  # and the other consumers'
        assert sorted(map(json.dumps, _granted(t, action))) == sorted(map(json.dumps, [
            arn_of(queue_id), arn_of(reminders_id), arn_of(exports_id)])), action


def _flat(value) -> str:
    """An Fn::Join as one comparable string (nested joins flattened, intrinsics as JSON)."""
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_flat(v) for v in value["Fn::Join"][1])
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# --- what the functions get
def test_every_function_gets_the_app_settings_and_no_secret(any_stack):
    t, s = any_stack.json, any_stack.settings
    table_id, _ = only(t, "AWS::DynamoDB::Table")
    secret_id, _ = only(t, "AWS::SecretsManager::Secret")
    _, bucket = only(t, "AWS::S3::Bucket")
    assert {"APIHandler", "OnUpload"} <= set(functions(t))
    for name, fn in functions(t).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["BACKEND"] == "aws", name
        assert env["TABLE_NAME"] == ref(table_id)
        assert env["BUCKET_NAME"] == bucket["Properties"]["BucketName"]
        assert (env["MAIL_FROM"], env["BASE_URL"]) == (s.mail_from, s.base_url)
        assert env["SECRET_ARN"] == ref(secret_id)
        assert "SECRET_KEY" not in env
        # no SES in the China regions: notifications go by SMS there
        assert env["CHANNELS"] == ("sms" if s.region.startswith("cn-") else "email,sms"), name
    # the signing key is generated by Secrets Manager at deploy time: no value in the template
    _, secret = only(t, "AWS::SecretsManager::Secret")
    assert "SecretString" not in secret["Properties"] and "GenerateSecretString" in secret["Properties"]


def test_the_stage_comes_from_the_stack_id(china_dev, china_prod):
    for stage, built in (("dev", china_dev), ("prod", china_prod)):
        assert built.stack.stack_name == f"labor-filing-{stage}"
        assert built.stack.node.id == stage  # the Chalice construct reads its stage from here
        for name, fn in functions(built.json).items():
            assert f"stage={stage}:" in fn["Properties"]["Tags"]["aws-chalice"]
            assert fn["Properties"]["FunctionName"] == f"labor-filing-{stage}-{name}"
    dev_bucket = only(china_dev.json, "AWS::S3::Bucket")[1]["Properties"]["BucketName"]
    prod_bucket = only(china_prod.json, "AWS::S3::Bucket")[1]["Properties"]["BucketName"]
    assert _flat(dev_bucket) != _flat(prod_bucket)


def _lambda_role(t: dict) -> tuple[str, dict]:
    roles = [(k, r) for k, r in resources(t, "AWS::IAM::Role").items()
             if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
             == {"Service": "lambda.amazonaws.com"}]
    assert len(roles) == 1, roles  # no Chalice DefaultRole beside the CDK's
    return roles[0]


def test_functions_run_as_the_cdk_role_and_chalice_makes_none(any_stack):
    t = any_stack.json
    role_id, role = _lambda_role(t)
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]
    assert all(fn["Properties"]["Role"] == arn_of(role_id) for fn in functions(t).values())
    policy_id, _ = only(t, "AWS::IAM::Policy")
    assert all(policy_id in as_list(fn["DependsOn"]) for fn in functions(t).values())


def test_imports_get_more_time_and_memory_than_requests(china_prod):
    fns = functions(china_prod.json)
    assert fns["APIHandler"]["Properties"]["Timeout"] <= 30  # API Gateway stops waiting at 29 s
    assert fns["OnUpload"]["Properties"]["Timeout"] >= 120
    assert fns["OnUpload"]["Properties"]["MemorySize"] > fns["APIHandler"]["Properties"]["MemorySize"]


# --- least privilege
def test_the_role_names_every_action_and_every_resource(any_stack):
    statements = allow_statements(any_stack.json)
    assert statements
    for s in statements:
        assert not any("*" in a for a in as_list(s["Action"])), s
        assert "Resource" in s or "NotResource" in s, s
        assert "*" not in as_list(s.get("Resource", [])), s
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert "dynamodb:Scan" not in actions  # every read is a key or index lookup


def _granted(t: dict, action: str) -> list:
    return [r for s in allow_statements(t) if action in as_list(s["Action"]) for r in as_list(s.get("Resource", []))]


def test_the_role_reaches_this_stages_table_indexes_key_secret_and_logs_only(china_prod):
    t = china_prod.json
    table_id, _ = only(t, "AWS::DynamoDB::Table")
    expected = [_flat(arn_of(table_id))] + [_flat(arn_of(table_id)) + f"/index/{n}" for n in INDEXES]
    for action in ("dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"):
        assert sorted(_flat(r) for r in _granted(t, action)) == sorted(expected), action
    key_id, _ = only(t, "AWS::KMS::Key")
    assert _granted(t, "kms:Decrypt") == [arn_of(key_id)] == _granted(t, "kms:GenerateDataKey")
    secret_id, _ = only(t, "AWS::SecretsManager::Secret")
    assert _granted(t, "secretsmanager:GetSecretValue") == [ref(secret_id)]
    groups = sorted(json.dumps(arn_of(g)) for g, res in resources(t, "AWS::Logs::LogGroup").items()
                    if res["Properties"]["LogGroupName"].startswith("/aws/lambda/"))
    assert sorted(json.dumps(r) for r in _granted(t, "logs:PutLogEvents")) == groups  # not the API's access logs


def test_the_role_reaches_the_upload_and_export_prefixes_only(china_prod):
    t = china_prod.json
    _, bucket = only(t, "AWS::S3::Bucket")
    bucket_arn = "arn:" + _flat(ref("AWS::Partition")) + ":s3:::" + _flat(bucket["Properties"]["BucketName"])
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert sorted(_flat(r) for r in _granted(t, action)) == [f"{bucket_arn}/exports/*", f"{bucket_arn}/uploads/*"]
    assert [_flat(r) for r in _granted(t, "s3:ListBucket")] == [bucket_arn]


def test_sms_may_go_to_phone_numbers_but_to_no_topic(any_stack):
    (sms,) = [s for s in allow_statements(any_stack.json) if "sns:Publish" in as_list(s["Action"])]
    assert "Resource" not in sms
    assert [_flat(r) for r in as_list(sms["NotResource"])] == ["arn:" + _flat(ref("AWS::Partition")) + ":sns:*:*:*"]


def test_mail_goes_through_ses_from_the_configured_address_only(global_prod):
    t, s = global_prod.json, global_prod.settings
    _, identity = only(t, "AWS::SES::EmailIdentity")
    assert identity["Properties"]["EmailIdentity"] == "mail-prod.example.cn"
    (mail,) = [st for st in allow_statements(t) if "ses:SendEmail" in as_list(st["Action"])]
    assert mail["Condition"] == {"StringEquals": {"ses:FromAddress": s.mail_from}}
    targets = sorted(_flat(r) for r in as_list(mail["Resource"]))
    assert [x.rsplit("identity/", 1)[1] for x in targets] == ["mail-prod.example.cn", s.mail_from]


def test_the_china_regions_get_no_ses_and_a_regional_api(china_prod):
    t = china_prod.json
    assert not resources(t, "AWS::SES::EmailIdentity")
    assert not [a for s in allow_statements(t) for a in as_list(s["Action"]) if a.startswith("ses:")]
    _, api = only(t, "AWS::Serverless::Api")
    assert api["Properties"]["EndpointConfiguration"] == "REGIONAL"  # no edge-optimized endpoints in China
    assert "arn:aws:" not in json.dumps(t)  # every ARN takes the partition (aws-cn) from the stack


# --- alarms and logs
def test_every_function_alarms_on_errors_and_throttles_to_the_alert_topic(any_stack):
    t = any_stack.json
    topic_id, _ = only(t, "AWS::SNS::Topic")
    alarms = [a for a in resources(t, "AWS::CloudWatch::Alarm").values() if "MetricName" in a["Properties"]]
    for fn in functions(t).values():
        name = fn["Properties"]["FunctionName"]
        for metric in ("Errors", "Throttles"):
            found = [a["Properties"] for a in alarms if a["Properties"]["MetricName"] == metric
                     and a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": name}]]
            assert len(found) == 1, (name, metric)
            assert found[0]["Namespace"] == "AWS/Lambda" and found[0]["Threshold"] == 1
            assert found[0]["AlarmActions"] == [ref(topic_id)]


def test_every_function_logs_to_its_own_group(any_stack):
    t = any_stack.json
    groups = {g["Properties"]["LogGroupName"]: (gid, g) for gid, g in resources(t, "AWS::Logs::LogGroup").items()}
    for fn in functions(t).values():
        gid, group = groups[f"/aws/lambda/{fn['Properties']['FunctionName']}"]
        assert gid in as_list(fn["DependsOn"])  # exists before the function can write (it may not create groups)
        assert group["Properties"]["RetentionInDays"] >= 30


def _subscriptions(t: dict) -> set:
    return {(s["Properties"]["Protocol"], s["Properties"]["Endpoint"])
            for s in resources(t, "AWS::SNS::Subscription").values()}


def test_ops_alerts_reach_the_configured_email_and_phone(tmp_path):
    built = synth(tmp_path, settings("prod", GLOBAL, alarm_email="ops@example.cn", alarm_sms="+8613800000000"))
    assert _subscriptions(built.json) == {("email", "ops@example.cn"), ("sms", "+8613800000000")}


def test_china_gets_no_sms_subscription_to_the_alert_topic_and_synth_says_so(tmp_path):
    """SNS in the China regions takes no SMS subscription to a topic: it would fail the deploy."""
    from aws_cdk.assertions import Annotations, Match
    built = synth(tmp_path, settings("prod", CHINA, alarm_email="ops@example.cn", alarm_sms="+8613800000000"))
    assert _subscriptions(built.json) == {("email", "ops@example.cn")}
    Annotations.from_stack(built.stack).has_warning("*", Match.string_like_regexp("alarm_sms is ignored in cn-north-1"))


SMS = {"provider": "aliyun", "sign_name": "山西人社", "templates": {"review_request": "SMS_1", "approved": "SMS_2",
                                                              "rejected": "SMS_3", "reminder": "SMS_4"}}


def test_china_sends_sms_through_the_configured_provider_with_its_key_in_a_secret(tmp_path):
    built = synth(tmp_path, settings("dev", CHINA, sms=SMS))
    t = built.json
    secrets = resources(t, "AWS::SecretsManager::Secret")
    sms_id = next(i for i in secrets if i.startswith("SmsCredentials"))
    assert "SecretString" not in secrets[sms_id]["Properties"]  # the operator puts the key in (README)
    for name, fn in functions(t).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert (env["SMS_PROVIDER"], env["SMS_SIGN_NAME"], env["SMS_SECRET_ARN"]) == ("aliyun", "山西人社", ref(sms_id))
        assert json.loads(env["SMS_TEMPLATES"]) == SMS["templates"], name
    assert sorted(json.dumps(r) for r in _granted(t, "secretsmanager:GetSecretValue")) == sorted(
        json.dumps(ref(i)) for i in secrets)


def test_the_wechat_mini_program_gets_its_app_id_templates_and_a_secret_for_its_app_secret(tmp_path):
    wechat = {"app_id": "wx0123456789abcdef", "templates": {"review_result": "TPL-1", "deadline_reminder": "TPL-2"}}
    built = synth(tmp_path, settings("dev", CHINA, sms=SMS, wechat=wechat))
    t = built.json
    secrets = resources(t, "AWS::SecretsManager::Secret")
    wechat_id = next(i for i in secrets if i.startswith("WechatAppSecret"))
    for name, fn in functions(t).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert (env["WECHAT_APP_ID"], env["WECHAT_SECRET_ARN"]) == ("wx0123456789abcdef", ref(wechat_id)), name
        assert json.loads(env["WECHAT_TEMPLATES"]) == wechat["templates"], name
    assert ref(wechat_id) in _granted(t, "secretsmanager:GetSecretValue")


def test_china_without_an_sms_provider_is_told_that_nothing_would_be_delivered(china_dev):
    from aws_cdk.assertions import Annotations, Match
    Annotations.from_stack(china_dev.stack).has_warning("*", Match.string_like_regexp("no SMS provider set"))


def test_an_incomplete_sms_setting_stops_the_synth():
    from filing_stack import sms_settings
    with pytest.raises(SystemExit, match="app_id"):
        sms_settings("prod", {"provider": "tencent", "sign_name": "山西人社", "templates": {"reminder": "1"}})


# --- the daily schedule
def _schedules(t: dict) -> dict[str, list[str]]:
    return {name: [e["Properties"]["Schedule"] for e in fn["Properties"].get("Events", {}).values()
                   if e["Type"] == "Schedule"]
            for name, fn in functions(t).items() if fn["Properties"].get("Events")}


def _declared_schedules() -> list:
    """The first argument of every @app.schedule(...) in app.py (None where it is not a plain string)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    return [d.args[0].value if d.args and isinstance(d.args[0], ast.Constant) else None
            for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) for d in node.decorator_list
            if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "schedule"]


def test_every_schedule_of_app_py_becomes_a_rule(china_prod):
    declared = _declared_schedules()
    found = sorted(e for exprs in _schedules(china_prod.json).values() for e in exprs)
    assert len(found) == len(declared)
    assert {e for e in declared if e} <= set(found)


def test_the_daily_job_runs_at_nine_beijing_time(china_prod):
    crons = [e for exprs in _schedules(china_prod.json).values() for e in exprs if e.startswith("cron(")]
    if not crons:
        pytest.skip("app.py declares no daily @app.schedule yet")
    assert "cron(0 1 * * ? *)" in crons, crons  # EventBridge cron is UTC: 01:00 UTC is 09:00 in Beijing


def test_a_scheduled_function_is_wired_like_every_other(tmp_path):
    """A function added by @app.schedule (Chalice makes the EventBridge rule) gets settings, role, logs, alarms."""
    app_dir = tmp_path / "app"
    (app_dir / ".chalice").mkdir(parents=True)
    (app_dir / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "app_name": "labor-filing"}))
    (app_dir / "requirements.txt").write_text("")
    (app_dir / "app.py").write_text(
        "from chalice import Chalice\napp = Chalice(app_name='labor-filing')\n\n"
        "@app.schedule('cron(0 1 * * ? *)', name='daily')\ndef daily(event):\n    return None\n\n"
        "@app.lambda_function(name='on_upload')\ndef on_upload(event, context):\n    return None\n")
    built = synth(tmp_path / "synth", settings("dev", CHINA), source_dir=app_dir)
    t = built.json
    assert _schedules(t) == {"Daily": ["cron(0 1 * * ? *)"]}
    daily = functions(t)["Daily"]["Properties"]
    role_id, _ = only(t, "AWS::IAM::Role")
    assert daily["Role"] == arn_of(role_id) and daily["Environment"]["Variables"]["BACKEND"] == "aws"
    assert daily["FunctionName"] == "labor-filing-dev-Daily"
    alarmed = {d["Value"] for a in resources(t, "AWS::CloudWatch::Alarm").values()
               for d in a["Properties"].get("Dimensions", []) if isinstance(d["Value"], str)}
    assert "labor-filing-dev-Daily" in alarmed
    assert daily["Runtime"] == "python3.12" and daily["ReservedConcurrentExecutions"] == 1
    (config,) = resources(t, "AWS::Lambda::EventInvokeConfig").values()  # on_upload is no asynchronous function
    assert config["Properties"]["FunctionName"] == ref("Daily")
    assert "OnFailure" in config["Properties"]["DestinationConfig"]
    assert not resources(t, "AWS::Serverless::Api")  # no routes, no API: nothing to throttle
    assert "/aws/lambda/labor-filing-dev-Daily" in {g["Properties"]["LogGroupName"]
                                                     for g in resources(t, "AWS::Logs::LogGroup").values()}


# --- settings and restores
def test_both_stages_read_their_settings_from_cdk_json(monkeypatch):
    import aws_cdk as cdk
    from filing_stack import STAGES, StageSettings
    monkeypatch.setenv("CDK_DEFAULT_REGION", CHINA)
    app = cdk.App(context=cdk_context())
    parsed = {stage: StageSettings.from_context(app, stage) for stage in STAGES}
    assert set(parsed) == {"dev", "prod"}
    assert all(p.region == CHINA and p.base_url.startswith("https://") and "@" in p.mail_from for p in parsed.values())
    assert parsed["dev"].base_url != parsed["prod"].base_url

    broken = cdk.App(context={"stages": {"prod": {"mail_from": "noreply@x.cn"}}})
    with pytest.raises(SystemExit, match="base_url"):
        StageSettings.from_context(broken, "prod")


def test_a_restored_table_can_take_over(tmp_path):
    """After a point-in-time restore (README) the stage serves from the restored table, with the same grants."""
    built = synth(tmp_path, settings("prod", GLOBAL, existing_table="labor-filing-prod-restored-20270105"))
    t = built.json
    assert not resources(t, "AWS::DynamoDB::Table")
    assert all(fn["Properties"]["Environment"]["Variables"]["TABLE_NAME"] == "labor-filing-prod-restored-20270105"
               for fn in functions(t).values())
    granted = sorted(_flat(r) for r in _granted(t, "dynamodb:Query"))
    assert len(granted) == 1 + len(INDEXES)
    assert all(":table/labor-filing-prod-restored-20270105" in g for g in granted)



def test_background_jobs_get_room_to_finish(china_prod):
    """The daily job and the outbox drain run for minutes, not an API request's 30 s."""
    fns = functions(china_prod.json)
    assert fns["DailyReminders"]["Properties"]["Timeout"] == 900
    assert fns["DeliverOutbox"]["Properties"]["Timeout"] == 300
    assert fns["RecoverInterrupted"]["Properties"]["Timeout"] == 300  # resumes a big approval's person index


# --- runtime, concurrency, failures of the asynchronous functions
def test_every_function_runs_on_the_supported_python(any_stack):
    from filing_stack import LAMBDA_RUNTIME
    assert LAMBDA_RUNTIME == "python3.12"  # python3.11 is deprecated on 2027-06-30
    assert {fn["Properties"]["Runtime"] for fn in functions(any_stack.json).values()} == {LAMBDA_RUNTIME}


def test_the_import_and_scheduled_functions_reserve_concurrency(any_stack):
    fns = functions(any_stack.json)
    reserved = {name: fn["Properties"].get("ReservedConcurrentExecutions") for name, fn in fns.items()}
    assert reserved == {"APIHandler": None, "OnUpload": 10, "DeliverOutbox": 1, "RecoverInterrupted": 5,
                        "DailyReminders": 1, "RemindBatch": 10, "BuildExport": 5}
    # the outbox runs one at a time (two runs could send a message twice) and never outlasts its schedule
    assert fns["DeliverOutbox"]["Properties"]["Timeout"] <= 300


def test_scheduled_functions_send_what_finally_fails_to_the_jobs_dead_letter_queue(any_stack):
    t = any_stack.json
    _, _, (job_dlq_id, job_dlq) = _queues(t)
    assert job_dlq["Properties"]["SqsManagedSseEnabled"] is True
    configs = {c["Properties"]["FunctionName"]["Ref"]: c for c in resources(t, "AWS::Lambda::EventInvokeConfig").values()}
    assert set(configs) == {"DeliverOutbox", "RecoverInterrupted", "DailyReminders"}
    policy_id, _ = only(t, "AWS::IAM::Policy")
    for name, config in configs.items():
        props = config["Properties"]
        assert props["Qualifier"] == "$LATEST"
        assert props["DestinationConfig"] == {"OnFailure": {"Destination": arn_of(job_dlq_id)}}
        assert policy_id in as_list(config["DependsOn"])
    # a missed outbox run or sweep is made up by the next one; the daily job is worth two more tries
    assert configs["DeliverOutbox"]["Properties"]["MaximumRetryAttempts"] == 0
    assert configs["RecoverInterrupted"]["Properties"]["MaximumRetryAttempts"] == 0
    assert configs["DailyReminders"]["Properties"]["MaximumRetryAttempts"] == 2
    assert arn_of(job_dlq_id) in _granted(t, "sqs:SendMessage")  # Lambda sends as the function's role


def test_the_daily_job_plans_batches_onto_a_queue_that_remind_batch_consumes(any_stack):
    from filing_stack import DLQ_DAYS, JOB_SIZES, REMINDER_RECEIVES, RESERVED_CONCURRENCY
    t = any_stack.json
    queues = resources(t, "AWS::SQS::Queue")
    (queue_id, queue), = [(k, q) for k, q in queues.items() if k.startswith("ReminderBatches")]
    (dlq_id, dlq), = [(k, q) for k, q in queues.items() if k.startswith("ReminderDeadLetters")]
    assert queue["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": arn_of(dlq_id),
                                                    "maxReceiveCount": REMINDER_RECEIVES}
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * JOB_SIZES["RemindBatch"][1]
    assert dlq["Properties"]["MessageRetentionPeriod"] == DLQ_DAYS * 86400
    assert functions(t)["RemindBatch"]["Properties"]["Handler"] == "app.remind_batch"
    (mapping,) = [m for m in resources(t, "AWS::Lambda::EventSourceMapping").values()
                  if m["Properties"]["FunctionName"] == ref("RemindBatch")]
    assert mapping["Properties"]["EventSourceArn"] == arn_of(queue_id) and mapping["Properties"]["BatchSize"] == 1
    assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= RESERVED_CONCURRENCY["RemindBatch"]
    for action in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"):
        assert arn_of(queue_id) in _granted(t, action), action
    if not any_stack.settings.region.startswith("cn-"):  # reminder e-mail 50 to a call through the stage's template
        (bulk,) = [st for st in allow_statements(t) if "ses:SendBulkTemplatedEmail" in as_list(st["Action"])]
        assert bulk["Condition"] == {"StringEquals": {"ses:FromAddress": any_stack.settings.mail_from}}
        assert only(t, "AWS::SES::Template")[1]["Properties"]["Template"]["TextPart"] == "{{{body}}}"
    for fn in functions(t).values():
        assert fn["Properties"]["Environment"]["Variables"]["REMINDER_QUEUE_URL"] == ref(queue_id)
    for suffix in ("reminder-plan-late", "outbox-dropped", "reminders-dlq"):
        assert _alarm(t, suffix, any_stack.settings.name)


# --- the API stage
def test_the_api_stage_is_throttled_and_logs_every_request(any_stack):
    from filing_stack import ACCESS_LOG_FORMAT, API_THROTTLE
    t, stage = any_stack.json, any_stack.settings.name
    _, api = only(t, "AWS::Serverless::Api")
    props = api["Properties"]
    assert props["Name"] == f"labor-filing-{stage}"  # the ApiName of its metrics: dev and prod apart
    (method,) = props["MethodSettings"]
    rate, burst = API_THROTTLE[stage]
    assert (method["HttpMethod"], method["ResourcePath"]) == ("*", "/*")
    assert (method["ThrottlingRateLimit"], method["ThrottlingBurstLimit"]) == (rate, burst)
    assert method["LoggingLevel"] == "OFF"  # execution logs would hold request bodies
    assert API_THROTTLE["dev"] < API_THROTTLE["prod"] and API_THROTTLE["prod"] == (100, 200)
    groups = resources(t, "AWS::Logs::LogGroup")
    group_id = props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]
    assert groups[group_id]["Properties"]["LogGroupName"] == f"/aws/apigateway/labor-filing-{stage}-access"
    assert groups[group_id]["Properties"]["RetentionInDays"] >= 30
    fmt = json.loads(props["AccessLogSetting"]["Format"])
    assert fmt == ACCESS_LOG_FORMAT and fmt["resource"] == "$context.resourcePath"  # no /act/{token} values
    assert "$context.path" not in props["AccessLogSetting"]["Format"]
    # logging to CloudWatch needs the account's API Gateway role, set before the stage exists
    account_id, account = only(t, "AWS::ApiGateway::Account")
    role = t["Resources"][account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"}
    assert role["DeletionPolicy"] == "Retain"  # the other stage's API may still point at it
    assert account_id in as_list(api["DependsOn"])


# --- the alarms beyond Lambda's own metrics
def _alarm(t: dict, suffix: str, stage: str) -> dict:
    (alarm,) = [a["Properties"] for a in resources(t, "AWS::CloudWatch::Alarm").values()
                if a["Properties"]["AlarmName"] == f"labor-filing-{stage}-{suffix}"]
    topic_id, _ = only(t, "AWS::SNS::Topic")
    assert alarm["AlarmActions"] == [ref(topic_id)], suffix
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    return alarm


def test_api_5xx_answers_raise_an_alarm(any_stack):
    stage = any_stack.settings.name
    alarm = _alarm(any_stack.json, "api-5xx", stage)
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/ApiGateway", "5XXError", "Sum")
    assert alarm["Dimensions"] == [{"Name": "ApiName", "Value": f"labor-filing-{stage}"},
                                   {"Name": "Stage", "Value": "api"}]
    assert (alarm["Period"], alarm["Threshold"], alarm["EvaluationPeriods"]) == (300, 5, 1)


def test_errors_the_app_logs_raise_an_alarm(any_stack):
    """The app catches its exceptions (a 500 page, a failed import) and logs them with logging.exception:
    Lambda's Errors metric stays 0, so every "[ERROR]" line of every function counts instead."""
    t, stage = any_stack.json, any_stack.settings.name
    filters = resources(t, "AWS::Logs::MetricFilter").values()
    filtered = {f["Properties"]["LogGroupName"]["Ref"] for f in filters}
    groups = resources(t, "AWS::Logs::LogGroup")
    function_groups = {g for g, res in groups.items() if res["Properties"]["LogGroupName"].startswith("/aws/lambda/")}
    assert filtered == function_groups and len(function_groups) == len(functions(t))
    for f in filters:
        assert f["Properties"]["FilterPattern"] == '"[ERROR]"'
        assert f["Properties"]["MetricTransformations"] == [
            {"MetricName": "AppErrors", "MetricNamespace": f"LaborFiling/{stage}", "MetricValue": "1"}]
    alarm = _alarm(t, "app-errors", stage)
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (f"LaborFiling/{stage}", "AppErrors", "Sum")
    assert (alarm["Threshold"], alarm["Period"]) == (1, 300) and "Dimensions" not in alarm
    # the app writes its metric lines to the same namespace
    assert all(fn["Properties"]["Environment"]["Variables"]["METRICS_NAMESPACE"] == f"LaborFiling/{stage}"
               for fn in functions(t).values())


def test_the_error_pattern_matches_what_the_lambda_runtime_logs():
    """The Lambda Python runtime's text format: "[LEVEL]\t<time>\t<request id>\t<message>"."""
    from filing_stack import APP_ERROR_PATTERN
    term = json.loads(APP_ERROR_PATTERN)  # one quoted term: matched literally
    assert term in "[ERROR]\t2027-01-05T01:00:00.000Z\t8f3c\tunhandled error\nTraceback (most recent call last):"
    assert term not in "[WARNING]\t2027-01-05T01:00:00.000Z\t8f3c\tsending message m1 failed"


def test_the_outbox_backlog_and_messages_out_of_attempts_raise_alarms(any_stack):
    from filing_stack import OUTBOX_BACKLOG
    t, stage = any_stack.json, any_stack.settings.name
    backlog = _alarm(t, "outbox-backlog", stage)
    assert (backlog["Namespace"], backlog["MetricName"]) == (f"LaborFiling/{stage}", "OutboxPending")
    # every run for 30 minutes left at least this many pending: sending fails broadly (provider, quota, sandbox)
    assert backlog["Statistic"] == "Minimum" and backlog["Threshold"] == OUTBOX_BACKLOG == 100
    assert (backlog["Period"], backlog["EvaluationPeriods"], backlog["DatapointsToAlarm"]) == (300, 6, 6)
    failed = _alarm(t, "outbox-failed", stage)
    assert (failed["MetricName"], failed["Statistic"], failed["Threshold"]) == ("OutboxFailed", "Sum", 1)
    from chalicelib.lambda_io import metric_line  # the names the app prints
    printed = json.loads(metric_line({"OutboxPending": 0, "OutboxFailed": 0, "OutboxSent": 0}, namespace="x"))
    assert {m["Name"] for m in printed["_aws"]["CloudWatchMetrics"][0]["Metrics"]} >= {"OutboxPending", "OutboxFailed"}


def test_a_message_in_either_dead_letter_queue_raises_an_alarm(any_stack):
    t, stage = any_stack.json, any_stack.settings.name
    _, (dlq_id, _), (job_dlq_id, _) = _queues(t)
    for suffix, queue_id in (("uploads-dlq", dlq_id), ("jobs-dlq", job_dlq_id)):
        alarm = _alarm(t, suffix, stage)
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
        assert alarm["Threshold"] == 1


# --- the SES identity per stage
def test_a_stage_can_send_through_an_identity_the_other_stage_made(tmp_path):
    built = synth(tmp_path, settings("dev", GLOBAL, mail_from="noreply-dev@mail-prod.example.cn",
                                     mail_identity="existing"))
    t = built.json
    assert not resources(t, "AWS::SES::EmailIdentity") and not [o for o in t["Outputs"] if o.startswith("Dkim")]
    (mail,) = [st for st in allow_statements(t) if "ses:SendEmail" in as_list(st["Action"])]
    assert mail["Condition"] == {"StringEquals": {"ses:FromAddress": "noreply-dev@mail-prod.example.cn"}}
    assert [_flat(r).rsplit("identity/", 1)[1] for r in as_list(mail["Resource"])] == [
        "mail-prod.example.cn", "noreply-dev@mail-prod.example.cn"]


def test_two_stages_may_not_both_create_one_mail_domains_identity():
    from filing_stack import check_mail_identities
    dev = settings("dev", GLOBAL, mail_from="noreply-dev@Mail.example.cn")
    prod = settings("prod", GLOBAL, mail_from="noreply@mail.example.cn")
    with pytest.raises(SystemExit, match="both create the SES identity mail.example.cn"):
        check_mail_identities([dev, prod])
    check_mail_identities([settings("dev", GLOBAL, mail_from="noreply-dev@mail.example.cn", mail_identity="existing"),
                           prod])
    check_mail_identities([settings("dev", CHINA, mail_from="noreply@mail.example.cn"), prod])  # no SES in China
    check_mail_identities([settings("dev", GLOBAL), settings("prod", GLOBAL)])  # own domains
    with pytest.raises(SystemExit, match="mail_identity"):
        check_mail_identities([settings("dev", GLOBAL, mail_identity="shared")])


def test_the_committed_stages_have_a_mail_identity_each(monkeypatch):
    import aws_cdk as cdk
    from filing_stack import STAGES, StageSettings, check_mail_identities
    monkeypatch.setenv("CDK_DEFAULT_REGION", GLOBAL)
    app = cdk.App(context=cdk_context())
    parsed = [StageSettings.from_context(app, stage) for stage in STAGES]
    assert all(p.mail_identity == "create" for p in parsed)
    check_mail_identities(parsed)
    assert "check_mail_identities(stages)" in (ROOT / "infra" / "app.py").read_text()


def test_exports_go_onto_a_queue_that_build_export_consumes_within_fifteen_minutes(any_stack):
    from filing_stack import DLQ_DAYS, EXPORT_RECEIVES, EXPORT_TMP_MB, JOB_SIZES, RESERVED_CONCURRENCY
    t = any_stack.json
    queues = resources(t, "AWS::SQS::Queue")
    (queue_id, queue), = [(k, q) for k, q in queues.items() if k.startswith("Exports")]
    (dlq_id, dlq), = [(k, q) for k, q in queues.items() if k.startswith("ExportDeadLetters")]
    assert queue["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": arn_of(dlq_id),
                                                    "maxReceiveCount": EXPORT_RECEIVES}
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * JOB_SIZES["BuildExport"][1]
    assert dlq["Properties"]["MessageRetentionPeriod"] == DLQ_DAYS * 86400
    worker = functions(t)["BuildExport"]["Properties"]
    assert worker["Handler"] == "app.build_export" and worker["Timeout"] == 900
    assert worker["EphemeralStorage"] == {"Size": EXPORT_TMP_MB}
    (mapping,) = [m for m in resources(t, "AWS::Lambda::EventSourceMapping").values()
                  if m["Properties"]["FunctionName"] == ref("BuildExport")]
    assert mapping["Properties"]["EventSourceArn"] == arn_of(queue_id) and mapping["Properties"]["BatchSize"] == 1
    assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= RESERVED_CONCURRENCY["BuildExport"]
    for action in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"):
        assert arn_of(queue_id) in _granted(t, action), action
    for fn in functions(t).values():
        assert fn["Properties"]["Environment"]["Variables"]["EXPORT_QUEUE_URL"] == ref(queue_id)
    assert _alarm(t, "exports-dlq", any_stack.settings.name)


def test_an_unknown_address_answers_a_chinese_404_in_the_error_shape(china_prod):
    """Not API Gateway's English 403 "Missing Authentication Token" (docs/api.md)."""
    _, api = only(china_prod.json, "AWS::Serverless::Api")
    missing = api["Properties"]["GatewayResponses"]["MISSING_AUTHENTICATION_TOKEN"]
    body = json.loads(missing["ResponseTemplates"]["application/json"])
    assert missing["StatusCode"] == "404" and body["error"]["code"] == "not_found" and "没有这个地址" in body["error"]["message"]

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
    for kind in ("AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::S3::Bucket"):
        _, res = only(china_prod.json, kind)
        assert res["DeletionPolicy"] == "Retain", kind
    assert only(china_prod.json, "AWS::DynamoDB::Table")[1]["Properties"]["DeletionProtectionEnabled"] is True
    assert all(g["DeletionPolicy"] == "Retain" for g in resources(china_prod.json, "AWS::Logs::LogGroup").values())

    _, dev_table = only(china_dev.json, "AWS::DynamoDB::Table")
    assert dev_table["DeletionPolicy"] == "Delete"
    assert not dev_table["Properties"].get("DeletionProtectionEnabled")
    assert only(china_dev.json, "AWS::S3::Bucket")[1]["DeletionPolicy"] == "Retain"  # uploaded files outlive a stack


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


# --- the S3 event
def test_a_new_upload_invokes_the_import_function(any_stack):
    t = any_stack.json
    bucket_id, bucket = only(t, "AWS::S3::Bucket")
    assert functions(t)["OnUpload"]["Properties"]["Handler"] == "app.on_upload"
    (config,) = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    assert config["Event"] == "s3:ObjectCreated:*"
    assert config["Function"] == arn_of("OnUpload")
    assert config["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    permissions = {k: p for k, p in resources(t, "AWS::Lambda::Permission").items()
                   if p["Properties"]["Principal"] == "s3.amazonaws.com"}
    (perm_id, perm), = permissions.items()
    assert perm["Properties"]["FunctionName"] == arn_of("OnUpload")
    assert perm["Properties"]["SourceAccount"] == ref("AWS::AccountId")
    bucket_arn = {"Fn::Join": ["", ["arn:", ref("AWS::Partition"), ":s3:::", bucket["Properties"]["BucketName"]]]}
    assert _flat(perm["Properties"]["SourceArn"]) == _flat(bucket_arn)
    assert perm_id in as_list(bucket["DependsOn"])  # S3 verifies the permission when the bucket is configured


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


def test_functions_run_as_the_cdk_role_and_chalice_makes_none(any_stack):
    t = any_stack.json
    role_id, role = only(t, "AWS::IAM::Role")  # no Chalice DefaultRole beside it
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
    groups = sorted(json.dumps(arn_of(g)) for g in resources(t, "AWS::Logs::LogGroup"))
    assert sorted(json.dumps(r) for r in _granted(t, "logs:PutLogEvents")) == groups


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
    alarms = resources(t, "AWS::CloudWatch::Alarm").values()
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


def test_ops_alerts_reach_the_configured_email_and_phone(tmp_path):
    built = synth(tmp_path, settings("prod", CHINA, alarm_email="ops@example.cn", alarm_sms="+8613800000000"))
    subs = {(s["Properties"]["Protocol"], s["Properties"]["Endpoint"])
            for s in resources(built.json, "AWS::SNS::Subscription").values()}
    assert subs == {("email", "ops@example.cn"), ("sms", "+8613800000000")}


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
    alarmed = {a["Properties"]["Dimensions"][0]["Value"] for a in resources(t, "AWS::CloudWatch::Alarm").values()}
    assert "labor-filing-dev-Daily" in alarmed
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

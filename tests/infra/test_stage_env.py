"""The ops commands get a deployed stage's settings from its stack outputs (infra/stage_env.py)."""
from __future__ import annotations

import shlex

import pytest

from .helpers import load_infra_module


def test_the_stack_outputs_everything_the_ops_commands_need(china_prod):
    stage_env = load_infra_module("stage_env")
    assert set(stage_env.OUTPUT_TO_ENV) <= set(china_prod.json["Outputs"])


def test_outputs_become_quoted_exports_of_the_app_settings():
    stage_env = load_infra_module("stage_env")
    outputs = [{"OutputKey": "TableName", "OutputValue": "labor-filing-prod-TableCD117FA1-X"},
               {"OutputKey": "BucketName", "OutputValue": "labor-filing-prod-files-1-cn-north-1"},
               {"OutputKey": "SecretArn", "OutputValue": "arn:aws-cn:secretsmanager:cn-north-1:1:secret:k"},
               {"OutputKey": "MailFrom", "OutputValue": "noreply@ba.example.cn"},
               {"OutputKey": "BaseUrl", "OutputValue": "https://ba.example.cn/?a=1&b=2"},
               {"OutputKey": "EndpointURL", "OutputValue": "https://x.execute-api.cn-north-1.amazonaws.com.cn/api/"}]
    env = dict(line.removeprefix("export ").split("=", 1) for line in stage_env.exports(outputs).splitlines())
    assert {k: shlex.split(v)[0] for k, v in env.items()} == {
        "BACKEND": "aws", "TABLE_NAME": "labor-filing-prod-TableCD117FA1-X",
        "BUCKET_NAME": "labor-filing-prod-files-1-cn-north-1",
        "SECRET_ARN": "arn:aws-cn:secretsmanager:cn-north-1:1:secret:k", "MAIL_FROM": "noreply@ba.example.cn",
        "BASE_URL": "https://ba.example.cn/?a=1&b=2"}
    assert env["BASE_URL"] == "'https://ba.example.cn/?a=1&b=2'"  # the shell sees one word, no & job


def test_a_stack_from_an_older_infra_is_named_not_half_exported():
    stage_env = load_infra_module("stage_env")
    with pytest.raises(SystemExit, match="SecretArn"):
        stage_env.exports([{"OutputKey": k, "OutputValue": "x"}
                           for k in ("TableName", "BucketName", "MailFrom", "BaseUrl")])

"""SMS_PROVIDER and its settings (docs/sms.md): the provider's key pair from the environment or from a Secrets
Manager secret, the templates as JSON, clear errors for what is missing."""
from __future__ import annotations

import json

import pytest

from chalicelib.settings import SettingsError, from_env

AWS = {"BACKEND": "aws", "TABLE_NAME": "t", "BUCKET_NAME": "b", "MAIL_FROM": "noreply@example.cn",
       "SECRET_KEY": "k", "CHANNELS": "sms"}
ALIYUN = {"SMS_PROVIDER": "aliyun", "SMS_SIGN_NAME": "山西劳动用工备案", "SMS_ACCESS_KEY_ID": "id",
          "SMS_ACCESS_KEY_SECRET": "secret",
          "SMS_TEMPLATES": json.dumps({"review_request": "SMS_1", "reminder": {"code": "SMS_4", "params": []},
                                       "rejected": {"code": "SMS_3", "params": ["year", "receipt", "reason"]}})}


def test_aws_defaults_to_sns_and_an_installation_to_the_mailbox(tmp_path):
    assert from_env(AWS).sms is None and from_env({**AWS, "SMS_PROVIDER": "sns"}).sms is None
    assert from_env({"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k"}).sms is None


def test_a_provider_with_keys_and_templates_from_the_environment(tmp_path):
    sms = from_env({**AWS, **ALIYUN}).sms
    assert sms is not None
    assert (sms.provider, sms.sign_name, sms.access_key_id, sms.access_key_secret) == \
        ("aliyun", "山西劳动用工备案", "id", "secret")
    assert sms.templates == {"review_request": ("SMS_1", None), "reminder": ("SMS_4", ()),
                             "rejected": ("SMS_3", ("year", "receipt", "reason"))}
    assert (sms.endpoint, sms.region, sms.param_max_chars) == (None, None, 35)
    on_prem = from_env({"BACKEND": "embedded", "DATA_DIR": str(tmp_path), "SECRET_KEY": "k", **ALIYUN,
                        "SMS_PROVIDER": "tencent", "SMS_APP_ID": "1400000001", "SMS_ENDPOINT": "http://127.0.0.1:9/",
                        "SMS_PARAM_MAX_CHARS": "20"}).sms
    assert on_prem is not None
    assert (on_prem.provider, on_prem.app_id, on_prem.endpoint, on_prem.param_max_chars) == \
        ("tencent", "1400000001", "http://127.0.0.1:9/", 20)


@pytest.mark.parametrize("change, message", [
    ({"SMS_PROVIDER": "yunpian"}, "SMS_PROVIDER must be aliyun or tencent"),
    ({"SMS_SIGN_NAME": ""}, "SMS_SIGN_NAME"),
    ({"SMS_TEMPLATES": ""}, "SMS_TEMPLATES"),
    ({"SMS_PROVIDER": "tencent"}, "SMS_APP_ID"),
    ({"SMS_ACCESS_KEY_SECRET": ""}, "SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET \\(or SMS_SECRET_ARN\\)"),
    ({"SMS_TEMPLATES": "{review_request: SMS_1}"}, "SMS_TEMPLATES is not JSON"),
    ({"SMS_TEMPLATES": '["SMS_1"]'}, "must be a JSON object"),
    ({"SMS_TEMPLATES": '{"approved": {"code": "SMS_2", "params": "year"}}'}, 'SMS_TEMPLATES\\["approved"\\]'),
    ({"SMS_TEMPLATES": '{"approved": {"cod": "SMS_2"}}'}, 'SMS_TEMPLATES\\["approved"\\]'),
    ({"SMS_PARAM_MAX_CHARS": "0"}, "SMS_PARAM_MAX_CHARS"),
])
def test_what_is_wrong_is_named(change, message):
    with pytest.raises(SettingsError, match=message):
        from_env({**AWS, **ALIYUN, **change})


def test_the_key_pair_comes_from_the_secret_named_by_its_arn(fake_aws):
    arn = fake_aws.create_secret(Name="labor-filing-sms", SecretString=json.dumps(
        {"access_key_id": "LTAI-from-secret", "access_key_secret": "s3cr3t"}))["ARN"]
    env = {**AWS, **ALIYUN, "SMS_ACCESS_KEY_ID": "", "SMS_ACCESS_KEY_SECRET": "", "SMS_SECRET_ARN": arn}
    sms = from_env(env).sms
    assert sms is not None and (sms.access_key_id, sms.access_key_secret) == ("LTAI-from-secret", "s3cr3t")
    # keys in the environment win, and the secret is then not read
    gone = "arn:aws-cn:secretsmanager:cn-north-1:1:secret:gone"
    assert from_env({**AWS, **ALIYUN, "SMS_SECRET_ARN": gone}).sms.access_key_id == "id"  # type: ignore[union-attr]


def test_a_secret_of_the_wrong_shape_is_named(fake_aws):
    arn = fake_aws.create_secret(Name="plain", SecretString="just-a-string")["ARN"]
    with pytest.raises(SettingsError, match="SMS_SECRET_ARN must name a JSON secret"):
        from_env({**AWS, **ALIYUN, "SMS_ACCESS_KEY_ID": "", "SMS_SECRET_ARN": arn})

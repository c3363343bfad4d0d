"""The app with WeChat configured against the fake WeChat server (tests/senders/fake_wechat.py), and a registered
unit: shared by the WeChat API tests and the mini-program's replay."""
from __future__ import annotations

import pytest
from chalice.test import Client

from tests import factories
from tests.api_client import Api
from tests.senders.fake_wechat import APP_ID, APP_SECRET

PASSWORD = "Passw0rd!26"
TEMPLATES = {"review_result": "TPL-RESULT", "deadline_reminder": "TPL-REMIND"}


@pytest.fixture
def container(embedded_settings, clock, fake_wechat):
    from chalicelib import bootstrap
    from chalicelib.settings import WechatSettings
    settings = embedded_settings._replace(wechat=WechatSettings(APP_ID, APP_SECRET, fake_wechat.url, TEMPLATES))
    c = bootstrap.build(settings, clock=clock)
    bootstrap.override(c)
    yield c
    bootstrap.override(None)


@pytest.fixture
def api(container):
    from app import app
    from chalicelib.cli import seed_demo
    seed_demo(container)
    with Client(app) as client:
        a = Api(client)
        a.call("POST", "/employers/register", factories.registration())
        yield a

"""The infra tier: the CDK app in infra/ synthesized offline (no AWS account, no credentials).

Stacks are built in-process for aws_cdk.assertions, once per session per variant; each build runs
`chalice package` through Chalice's CDK construct (its dependency zip is cached under .chalice/deployments/).
"""
from __future__ import annotations

import os

import pytest

from .helpers import CHINA, GLOBAL, QUIET_ENV, require_infra_packages, settings, synth


@pytest.fixture(scope="session", autouse=True)
def _infra_env():
    for k, v in QUIET_ENV.items():
        os.environ.setdefault(k, v)
    require_infra_packages()


@pytest.fixture(scope="session")
def china_prod(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("china-prod"), settings("prod", CHINA))


@pytest.fixture(scope="session")
def china_dev(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("china-dev"), settings("dev", CHINA))


@pytest.fixture(scope="session")
def global_prod(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("global-prod"), settings("prod", GLOBAL))


@pytest.fixture(scope="session")
def global_dev(tmp_path_factory):
    return synth(tmp_path_factory.mktemp("global-dev"), settings("dev", GLOBAL))


@pytest.fixture(params=["china_dev", "china_prod", "global_dev", "global_prod"])
def any_stack(request):
    return request.getfixturevalue(request.param)

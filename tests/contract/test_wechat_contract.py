"""WeChat bindings (docs/wechat.md) behave the same on both backends: one per openid, written only at the expected
version with its audit event, all or nothing; read by openid, by account and by the account's mobile; an
acceptance used by one send is gone for the next; unbinding removes it from every listing."""
from __future__ import annotations

import pytest

from chalicelib.domain.wechat import WechatBinding
from chalicelib.ports import StaleVersion
from tests.contract.test_store_contract import T0, audit

MOBILE = "13800000001"


def bind(openid: str, username: str = "91140105MA0L000001", mobile: str | None = MOBILE) -> WechatBinding:
    return WechatBinding(openid=openid, username=username, mobile=mobile, bound_at=T0)


def test_a_binding_is_written_once_and_read_three_ways(store):
    store.save_wechat_binding(bind("o-1"), expected_version=0, audit=audit("bind 1"))
    with pytest.raises(StaleVersion):  # the same WeChat user binding twice at once: one wins
        store.save_wechat_binding(bind("o-1", "another"), expected_version=0, audit=audit("lost"))
    store.save_wechat_binding(bind("o-2", mobile=None), expected_version=0, audit=audit("bind 2"))
    store.save_wechat_binding(bind("o-3", "91140105MA0L000002", "13900000002"), expected_version=0,
                              audit=audit("bind 3"))
    assert store.get_wechat_binding("o-1") == bind("o-1") and store.get_wechat_binding("o-9") is None
    assert [b.openid for b in store.wechat_bindings_of("91140105MA0L000001")] == ["o-1", "o-2"]
    assert [b.openid for b in store.wechat_bindings_for_mobile(MOBILE)] == ["o-1"]
    assert store.wechat_bindings_for_mobile("13700000000") == []
    assert [e.target for e in store.list_audit()] == ["bind 3", "bind 2", "bind 1"]  # the loser left no trace


def test_an_acceptance_is_used_once_and_a_stale_write_changes_nothing(store):
    store.save_wechat_binding(bind("o-1"), expected_version=0)
    accepted = store.get_wechat_binding("o-1").accepting(["T-result", "T-result", "T-remind"])
    store.save_wechat_binding(accepted, expected_version=1, audit=audit("subscribe"))
    used = accepted.using("T-result")
    store.save_wechat_binding(used, expected_version=accepted.version)
    with pytest.raises(StaleVersion):  # a second delivery that read the same version
        store.save_wechat_binding(accepted.using("T-result"), expected_version=accepted.version)
    assert store.get_wechat_binding("o-1").accepted == {"T-result": 1, "T-remind": 1}


def test_unbinding_removes_the_binding_everywhere_with_its_audit_event(store):
    store.save_wechat_binding(bind("o-1"), expected_version=0)
    binding = store.get_wechat_binding("o-1")
    with pytest.raises(StaleVersion):
        store.delete_wechat_binding(binding.model_copy(update={"version": 7}), audit=audit("lost"))
    store.delete_wechat_binding(binding, audit=audit("unbind"))
    assert store.get_wechat_binding("o-1") is None
    assert store.wechat_bindings_of(binding.username) == [] and store.wechat_bindings_for_mobile(MOBILE) == []
    assert [e.target for e in store.list_audit()] == ["unbind"]

"""The 填报助手's conversations (docs/rules.md §19) on both backends: created once (a second creation of the same
id fails), then written only at the expected version (two messages at once: one wins), the first write with its
audit event, all or nothing; the document comes back whole (transcript, answers, context)."""
from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import assistant as a
from chalicelib.ports import StaleVersion
from tests.contract.test_store_contract import T0, audit


def started(conversation_id: str = "c" * 32) -> a.Conversation:
    return a.start(conversation_id, None, T0).conversation.model_copy(update={"version": 1})


def test_a_conversation_is_created_once_then_written_at_its_version_only(store):
    c = started()
    store.save_conversation(c, expected_version=0, audit=audit("start"))
    with pytest.raises(StaleVersion):  # the same id created again
        store.save_conversation(c, expected_version=0, audit=audit("lost"))
    later = T0 + dt.timedelta(minutes=1)
    heard = a.hear(c, "注册新单位", later, lambda phase, answers, conv: []).conversation
    store.save_conversation(heard.model_copy(update={"version": 2}), expected_version=1)
    with pytest.raises(StaleVersion):  # a second message sent with the same conversation as read
        store.save_conversation(heard.model_copy(update={"version": 2, "step": "name"}), expected_version=1)
    found = store.get_conversation(c.id)
    assert found is not None and found.version == 2 and found.phase == a.REGISTER and found.step == "uscc"
    assert found.transcript == heard.transcript and found.transcript[1].text == "注册新单位"
    assert found.expires_at == later + dt.timedelta(days=a.KEEP_DAYS)
    assert [e.target for e in store.list_audit()] == ["start"]  # the losers left no trace
    assert store.get_conversation("d" * 32) is None


def test_a_filers_conversation_keeps_its_owner_and_context(store):
    c = a.start("acct-1", "91140105MA00000011", T0, filer_name="李四").conversation
    c = c.model_copy(update={"version": 1, "context": {"filing_id": "F1", "defaults": {"industry": "I"}}})
    store.save_conversation(c, expected_version=0)
    found = store.get_conversation("acct-1")
    assert found == c

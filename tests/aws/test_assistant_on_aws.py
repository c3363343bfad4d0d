"""The 填报助手 on the AWS backend through the JSON API (the mini-program's way): a visitor registers a unit by chat
(the SMS code read from the outbox), the filer's bearer token binds its own conversation, which files a 零申报's
表一 and submits it; the conversations live in DynamoDB (CHAT#<id>) and a filer's is found again from its account."""
from tests import factories

PASSWORD = "Passw0rd!26"


def send(api, cid: str, text: str, token: str | None = None) -> dict:
    status, body = api.call("POST", f"/assistant/conversations/{cid}/messages", {"text": text}, token)
    assert status == 200, body
    return body


def test_register_and_file_a_zero_report_by_chat_on_aws(aws_app):
    api, c, _ = aws_app
    r = factories.registration(1)
    status, body = api.call("POST", "/assistant/conversations", {})
    assert status == 201
    cid = body["id"]
    for text in ("注册新单位", r["uscc"], r["name"], "2015-06-01", "企业", "私营", "软件", "其他", "否", "否"):
        body = send(api, cid, text)
    body = send(api, cid, "140105")
    assert body["messages"][0]["text"].startswith("您的备案审核机关将是：太原市小店区人力资源和社会保障局")
    for text in (r["registered_address"], r["legal_representative"], r["filer_name"], r["filer_email"],
                 r["filer_mobile"]):
        body = send(api, cid, text)
    assert body["state"]["step"] == "verification_code"
    send(api, cid, factories.sms_code(r["filer_mobile"], store=c.store))
    body = send(api, cid, PASSWORD)
    assert body["state"]["phase"] == "registered" and c.store.get_unit(r["uscc"]) is not None

    token = api.login(r["uscc"], PASSWORD)
    status, body = api.call("POST", "/assistant/conversations", {}, token)
    mine = body["id"]
    assert status == 201 and body["quick_replies"][0] == "填报表一" and mine != cid
    for text in ("填报表一", "65", "同注册地址", "李四", "0351-1234567", "0", "60000"):
        body = send(api, mine, text, token)
    assert body["state"]["phase"] == "rows" and "零申报不需要表二" in body["messages"][0]["text"]
    assert "承诺" in send(api, mine, "提交备案", token)["messages"][0]["text"]
    body = send(api, mine, "我承诺，提交", token)
    assert body["state"]["phase"] == "done" and "回执号BA-140105-2025-" in body["messages"][0]["text"]
    status, again = api.call("POST", "/assistant/conversations", {"resume": True}, token)
    assert again["id"] == mine and again["state"]["phase"] == "done"  # the account's conversation, resumed
    assert c.store.get_conversation(mine).owner == r["uscc"]
    assert api.call("GET", f"/assistant/conversations/{mine}")[0] == 404  # without the filer's token: not yours

"""The 填报助手 over JSON (docs/api.md "填报助手"), for the mini-program: start or resume a conversation, send a
message, read back what the bot said, its quick replies and where the conversation stands. Open to anyone (a
registration starts signed out); a signed-in filer's bearer token binds the conversation to its account."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from ...bootstrap import container
from ...domain.errors import ValidationFailed, problem
from ..http import api_errors, client_address, current_request, json_body, json_response
from ..session import caller

if TYPE_CHECKING:
    from ...domain.assistant import Conversation, Turn

routes = Blueprint(__name__)


@routes.route("/assistant/conversations", methods=["POST"])
@api_errors
def start() -> Response:
    """A new conversation (a filer's replaces its own); with {"resume": true} the caller's live one if any."""
    request = current_request()
    body = json_body(request)
    service, who = container().assistant, caller(request)
    c = (service.open(who, str(body.get("id") or ""), client_address(request)) if body.get("resume") is True
         else service.restart(who, client_address(request)))
    return json_response(answer(c, c.transcript), 201)


@routes.route("/assistant/conversations/{conversation_id}", methods=["GET"])
@api_errors
def read(conversation_id: str) -> Response:
    """The whole conversation so far (resuming after the phone was closed)."""
    request = current_request()
    c = container().assistant.resume(caller(request), conversation_id)
    return json_response(answer(c, c.transcript))


@routes.route("/assistant/conversations/{conversation_id}/messages", methods=["POST"])
@api_errors
def message(conversation_id: str) -> Response:
    request = current_request()
    text = json_body(request).get("text")
    if not isinstance(text, str):
        raise ValidationFailed("请填写消息内容", [problem("text 应为文字", column="消息", field="text")])
    c, said = container().assistant.say(caller(request), conversation_id, text, client_address(request))
    return json_response(answer(c, said))


def answer(c: Conversation, messages: list[Turn]) -> dict[str, Any]:
    return {"id": c.id, "messages": [m.model_dump(exclude_none=True) for m in messages], "quick_replies": c.quick,
            "state": {"phase": c.phase, "step": c.step, "expires_at": c.expires_at.isoformat()}}

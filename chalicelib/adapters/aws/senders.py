"""Message delivery in AWS mode: e-mail through SES, SMS through SNS.

Each sender raises on failure; the outbox keeps the message and retries (the action stands). SES also takes the
daily job's reminders in bulk (ports.py BatchSender): SendBulkTemplatedEmail, up to 50 destinations a call, through
a template that is just {{subject}} and {{body}} (infra creates it and sets SES_BULK_TEMPLATE), so each message
keeps its own text. Without the setting, one SendEmail per message.
"""
from __future__ import annotations

import json
from typing import Any

from ...domain.model import Message
from ...ports import BatchSender, Sender

SES_BULK_MAX = 50  # destinations per SendBulkTemplatedEmail


class SesRefused(RuntimeError):
    """SES did not send one destination of a bulk call (its Status and Error)."""


class SesSender:
    def __init__(self, client: Any, source_email: str, bulk_template: str | None = None):
        self.client = client
        self.source = source_email
        self.bulk_template = bulk_template  # SubjectPart {{subject}}, TextPart {{{body}}} (unescaped): infra

    def send(self, message: Message) -> None:
        self.client.send_email(
            Source=self.source, Destination={"ToAddresses": [message.to]},
            Message={"Subject": {"Data": message.subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": message.body, "Charset": "UTF-8"}}})

    def batch_size(self, channel: str) -> int:
        return SES_BULK_MAX if self.bulk_template else 1

    def send_batch(self, messages: list[Message]) -> list[Exception | None]:
        answer = self.client.send_bulk_templated_email(
            Source=self.source, Template=self.bulk_template,
            DefaultTemplateData=json.dumps({"subject": "", "body": ""}),
            Destinations=[{"Destination": {"ToAddresses": [m.to]},
                           "ReplacementTemplateData": json.dumps({"subject": m.subject, "body": m.body},
                                                                 ensure_ascii=False)} for m in messages])
        return [None if s.get("Status", "Success") == "Success"  # (moto answers with the MessageId alone)
                else SesRefused(f"{s.get('Status')}: {s.get('Error')}") for s in answer["Status"]]


def e164(mobile: str) -> str:
    """SNS wants E.164; a mainland mobile number (11 digits, leading 1) gets +86."""
    digits = mobile.strip().replace(" ", "").replace("-", "")
    if digits.startswith("+"):
        return digits
    if len(digits) == 11 and digits.startswith("1") and digits.isdigit():
        return "+86" + digits
    raise ValueError(f"not a mobile number: {mobile!r}")


class SnsSmsSender:
    def __init__(self, client: Any):
        self.client = client

    def send(self, message: Message) -> None:
        self.client.publish(
            PhoneNumber=e164(message.to), Message=message.body,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})


class ChannelSender:
    """Dispatches by message.channel ("email", "sms"); an unknown channel is a failure, not a drop."""

    def __init__(self, senders: dict[str, Sender]):
        self.senders = senders

    def send(self, message: Message) -> None:
        self._for(message.channel).send(message)

    def batch_size(self, channel: str) -> int:
        sender = self.senders.get(channel)
        return sender.batch_size(channel) if isinstance(sender, BatchSender) else 1

    def send_batch(self, messages: list[Message]) -> list[Exception | None]:
        """Messages of one channel (the outbox batches by channel)."""
        sender = self._for(messages[0].channel)
        assert isinstance(sender, BatchSender)
        return sender.send_batch(messages)

    def _for(self, channel: str) -> Sender:
        sender = self.senders.get(channel)
        if sender is None:
            raise ValueError(f"no sender for channel {channel!r}")
        return sender

"""Message delivery in AWS mode: e-mail through SES, SMS through SNS.

Each sender raises on failure; the outbox keeps the message and retries (the action stands).
"""
from __future__ import annotations

from typing import Any

from ...domain.model import Message
from ...ports import Sender


class SesSender:
    def __init__(self, client: Any, source_email: str):
        self.client = client
        self.source = source_email

    def send(self, message: Message) -> None:
        self.client.send_email(
            Source=self.source, Destination={"ToAddresses": [message.to]},
            Message={"Subject": {"Data": message.subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": message.body, "Charset": "UTF-8"}}})


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
        sender = self.senders.get(message.channel)
        if sender is None:
            raise ValueError(f"no sender for channel {message.channel!r}")
        sender.send(message)

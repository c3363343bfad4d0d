"""Embedded-mode delivery: messages stay in the outbox and are read at the local mailbox page.

There is no mail server on a local run; marking a message sent makes it appear in /dev/mailbox,
where a user can open it and follow its links, as they would in their inbox.
"""
from __future__ import annotations

from ...domain.model import Message


class LocalMailbox:
    def send(self, message: Message) -> None:  # delivery is the mailbox page reading the outbox
        return None

"""Store on one DynamoDB table: the AWS backend's records, outbox and audit log.

One module per aggregate under dynamo/, sharing one table and client (dynamo/base.py); this class puts
them together and declares the whole Store port. Every state change is a conditional write; keys are
built in keys.py only.
"""
from __future__ import annotations

from ...ports import Store
from .dynamo.base import create_table
from .dynamo.assistant import DynamoAssistant
from .dynamo.claims import DynamoClaims
from .dynamo.desks import DynamoDesks
from .dynamo.enforcement import DynamoEnforcement
from .dynamo.filings import DynamoFilings
from .dynamo.jobs import DynamoJobs
from .dynamo.people import DynamoPeople
from .dynamo.outbox import DynamoOutbox
from .dynamo.owing import DynamoOwing
from .dynamo.rows import DynamoRows
from .dynamo.sign_in import DynamoSignIn
from .dynamo.transfers import DynamoTransfers
from .dynamo.units import DynamoUnits
from .dynamo.wechat import DynamoWechat

__all__ = ["DynamoStore", "create_table"]


class DynamoStore(DynamoUnits, DynamoFilings, DynamoRows, DynamoOutbox, DynamoOwing, DynamoEnforcement, DynamoDesks,
                  DynamoClaims, DynamoJobs, DynamoTransfers, DynamoPeople, DynamoSignIn, DynamoAssistant,
                  DynamoWechat, Store):
    """All the aggregates on one table (constructor: table name, low-level DynamoDB client)."""

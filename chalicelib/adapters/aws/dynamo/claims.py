"""Single-use markers (action links), on DynamoDB."""
from __future__ import annotations

import datetime as dt

from botocore.exceptions import ClientError

from ....ports import AlreadyExists, ClaimStore
from .. import keys
from .base import DynamoBase, error_code, item


class DynamoClaims(DynamoBase, ClaimStore):
    def claim(self, key: str, at: dt.datetime) -> None:
        try:
            self._put(item(keys.claim(key), "{}", at=keys.stamp(at)), condition="attribute_not_exists(PK)")
        except ClientError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                raise AlreadyExists(key) from None
            raise

    def claimed(self, key: str) -> bool:
        return self._get(keys.claim(key)) is not None

"""The sign-in guard of each name tried (domain/sign_in.py), on DynamoDB."""
from __future__ import annotations

from botocore.exceptions import ClientError

from ....domain.sign_in import SignInGuard
from ....ports import SignInStore, StaleVersion
from .. import keys
from .base import DynamoBase, av, error_code, item


class DynamoSignIn(DynamoBase, SignInStore):
    def get_sign_in_guard(self, key: str) -> SignInGuard | None:
        return self._load(SignInGuard, keys.sign_in_guard(key))

    def save_sign_in_guard(self, guard: SignInGuard, *, expected_version: int) -> None:
        put = item(keys.sign_in_guard(guard.key), guard.model_dump_json(), version=guard.version)
        condition = "attribute_not_exists(PK)" if expected_version == 0 else "version = :expected"
        values = {} if expected_version == 0 else {"ExpressionAttributeValues": av({":expected": expected_version})}
        try:
            self.client.put_item(TableName=self.table, Item=put, ConditionExpression=condition, **values)
        except ClientError as e:
            if error_code(e) == "ConditionalCheckFailedException":
                raise StaleVersion(guard.key) from None
            raise

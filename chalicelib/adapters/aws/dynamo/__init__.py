"""The DynamoDB store, one module per aggregate; dynamo_store.DynamoStore composes them."""

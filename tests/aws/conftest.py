"""The Chalice app wired to the AWS backend in the emulator, as a test client would see it."""
import pytest
from chalice.test import Client

from tests.api_client import Api


@pytest.fixture
def aws_app(aws_container, aws_adapters):
    """(Api over chalice.test.Client, container, adapters)."""
    from app import app
    with Client(app) as client:
        api = Api(client)
        api.bucket = aws_adapters.bucket
        yield api, aws_container, aws_adapters

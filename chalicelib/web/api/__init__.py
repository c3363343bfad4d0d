"""The JSON API (/api/v1), one module per feature; conventions in docs/api.md, contract in openapi.py."""

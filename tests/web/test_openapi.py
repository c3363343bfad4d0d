"""The served OpenAPI document describes exactly the API's routes and methods."""
import json

from chalice.test import Client


def test_openapi_matches_the_route_table(container):
    from app import app
    routes = {(path.removeprefix("/api/v1"), method.lower())
              for path, entries in app.routes.items() if path.startswith("/api/v1/")
              for method in entries}
    with Client(app) as client:
        response = client.http.get("/api/v1/openapi.json")
    doc = json.loads(response.body)
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert doc["openapi"].startswith("3.")
    assert documented == routes
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}, (method, path)
            assert op["responses"], (method, path)

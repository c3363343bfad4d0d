"""moto's server, answering one request at a time: `python tests/moto_serial.py HOST PORT`.

DynamoDB applies each TransactWriteItems (and each conditional write) atomically; moto's in-memory backend takes
no lock, so under `moto_server`'s threaded server two concurrent transactions can interleave and both pass their
conditions. Serving requests one by one restores the guarantee the stores rely on, while the callers (the app's
threads in the concurrency tests) still race each other for real.
"""
from __future__ import annotations

import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False,
               request_handler=MotoRequestHandler)

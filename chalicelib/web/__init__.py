"""The web layer, by channel: the JSON API (api/), the pages (pages/) and the embedded-only routes (local.py),
over the shared plumbing (http.py, session.py, page.py) and one declaration of access (access.py).
Routes call services only. docs/architecture.md describes the layers."""
from __future__ import annotations

from chalice import Chalice

from . import local
from .access import guard
from .api import accounts as accounts_api
from .api import admin as admin_api
from .api import assistant as assistant_api
from .api import audit as audit_api
from .api import exports as exports_api
from .api import filings as filings_api
from .api import openapi
from .api import overdue as overdue_api
from .api import receipts as receipts_api
from .api import people as people_api
from .api import review as review_api
from .api import rosters as rosters_api
from .api import rows as rows_api
from .api import share as share_api
from .api import transfers as transfers_api
from .api import units as units_api
from .api import wechat as wechat_api
from .http import BINARY_TYPES, api_gateway_rules, bind
from .pages import (admin, assets, assistant, audit, employer, exports, guide, home, notifications, overdue, people,
                    review, rows, share, stats, transfers, units, verify, wechat)

API = (accounts_api, filings_api, review_api, rosters_api, overdue_api, exports_api, share_api, audit_api, admin_api,
       transfers_api, units_api, receipts_api, people_api, rows_api, assistant_api, wechat_api, openapi)
PAGES = (home, employer, rows, review, overdue, stats, exports, share, audit, admin, notifications, transfers, units, verify,
         people, assistant, wechat, guide, assets)


def register(app: Chalice, *, local_routes: bool) -> None:
    """Every route on `app` behind the access guard; `local_routes` for the embedded backend only."""
    bind(app)
    app.api.binary_types.extend(BINARY_TYPES)
    for module in API:
        app.register_blueprint(module.routes, url_prefix="/api/v1")
    for module in PAGES:
        app.register_blueprint(module.routes)
    if local_routes:
        app.register_blueprint(local.routes)
    app.register_middleware(api_gateway_rules, "http")
    app.register_middleware(guard, "http")  # access.RULES, for every route

"""Reference data shipped inside the package: divisions, code lists, policy.

Loaded once, on first use (not at Lambda import time).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).resolve().parent.parent / "reference"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province / city / county
    parent_code: str | None
    statistical_zone: bool

    @property
    def city_code(self) -> str | None:
        """The city this division belongs to (itself for a city, None for the province)."""
        if self.level == "city":
            return self.code
        return self.parent_code if self.level == "county" else None


@dataclass(frozen=True)
class Policy:
    province_code: str
    annual_due_month_day: tuple[int, int]
    due_date_exceptions: dict[int, dt.date]
    first_filing_year: int
    hk_macau_taiwan_counts_as_foreign: bool
    statistical_zone_files_with_parent_city: bool
    cross_table_checks_block_submit: bool
    timezone: str
    reminder_days_before_due: tuple[int, ...]
    reminder_overdue_every_days: int
    reviewer_digest_after_working_days: int
    session_hours: int
    lockout_threshold: int  # sign-in attempts with no success between them before each next one waits
    lockout_window_minutes: int  # this long without an attempt and a name's count starts again
    action_link_days: int
    upload_max_bytes: int
    submits_per_filing_per_hour: int  # each submission notifies every reviewer of the authority
    messages_per_recipient_per_day: dict[str, int]  # channel → messages one address may get a (local) day
    review_request_coalesce_minutes: int  # one review request per filing and reviewer in such a window
    upload_max_unpacked_bytes: int  # what an .xlsx may inflate to, all parts together (zip bombs stop here)
    upload_max_compression_ratio: int  # how much one sizeable part may inflate (rosters: ~15×, bombs: 1000×)
    # Working days are the chinesecalendar package's (docs/rules.md §3); these only override it.
    rest_day_overrides: frozenset[dt.date] = frozenset()  # not a working day, whatever the package says
    working_day_overrides: frozenset[dt.date] = frozenset()  # a working day, whatever the package says
    calendar_years_in_policy: frozenset[int] = frozenset()  # years typed into the overrides in full
    calendar_check_next_year_from: tuple[int, int] = (12, 1)  # (month, day): warn if next year is unknown
    # corrections after approval and revoking an approval (docs/rules.md §11)
    correction_open_years: int = 1  # year Y's approved filing can be corrected until the due date of year Y + this
    revoke_approval_days: int = 30  # an approval can be revoked this many days after it, at most
    # SMS verification codes (docs/rules.md §12, domain/verification.py)
    verification_code_minutes: int = 10  # a code works this long
    verification_code_tries: int = 5  # wrong answers before the code is spent
    verification_resend_seconds: int = 60  # between two codes to one number
    verification_codes_per_number_per_day: int = 10
    verification_codes_per_address_per_day: int = 100  # asked from one client address (a service hall's NAT)
    # step key ("D-30", …, "overdue" for every overdue step) → days the step is spread over (domain/reminders.py)
    reminder_spread_days: dict[str, int] = field(default_factory=dict)
    # sign-in throttles (docs/rules.md §13, domain/sign_in.py)
    sign_in_first_delay_seconds: int = 30  # the wait after `lockout_threshold` failures; doubles with each more
    sign_in_max_delay_minutes: int = 10  # never longer (below the window, so a name under attack stays delayed)
    sign_in_per_address_per_window: int = 30  # failed attempts from one client address per lockout window
    sign_in_global_per_minute: int = 600  # failed attempts province-wide per minute
    second_factor_roles: frozenset[str] = frozenset({"system_admin", "security", "auditor"})  # sign in with TOTP


@cache
def divisions() -> dict[str, Division]:
    with open(_DIR / "shanxi_divisions.csv", encoding="utf-8") as f:
        return {
            r["code"]: Division(r["code"], r["name"], r["level"], r["parent_code"] or None,
                                r["statistical_zone"] == "1")
            for r in csv.DictReader(f)
        }


def city_of(d: Division) -> Division:
    """The city a city or county belongs to (itself for a city); KeyError for the province."""
    if d.city_code is None:
        raise KeyError(d.code)
    return divisions()[d.city_code]


@cache
def codes() -> dict[str, Any]:
    """The code lists of codes.json: a list of values, or {code: name or {name/reason, …}}."""
    loaded: dict[str, Any] = json.loads((_DIR / "codes.json").read_text(encoding="utf-8"))
    return loaded


@cache
def aliases() -> dict[str, dict[str, dict[str, list[str]]]]:
    """aliases.json (docs/rules.md §17): everyday spellings of coded values.

    {"lists": {code list: {canonical value: [spellings]}}, "columns": {column key: {canonical value: [spellings]}}};
    the lookups built from it, and their consistency checks, are in `domain/tables.py` (`code_lookup`)."""
    raw = json.loads((_DIR / "aliases.json").read_text(encoding="utf-8"))
    return {"lists": raw.get("lists", {}), "columns": raw.get("columns", {})}


@cache
def policy() -> Policy:
    raw = json.loads((_DIR / "policy.json").read_text(encoding="utf-8"))
    raw = {k: v for k, v in raw.items() if not k.startswith("_")}  # "_…" keys are comments
    raw["annual_due_month_day"] = tuple(raw["annual_due_month_day"])
    raw["reminder_days_before_due"] = tuple(raw["reminder_days_before_due"])
    raw["due_date_exceptions"] = {int(y): dt.date.fromisoformat(d) for y, d in raw["due_date_exceptions"].items()}
    for key in ("rest_day_overrides", "working_day_overrides"):
        raw[key] = frozenset(d for entry in raw.get(key, ()) for d in _dates(entry))
    if both := raw["rest_day_overrides"] & raw["working_day_overrides"]:
        raise ValueError(f"policy.json: both a rest day and a working day: {sorted(d.isoformat() for d in both)}")
    raw["calendar_years_in_policy"] = frozenset(int(y) for y in raw.get("calendar_years_in_policy", ()))
    raw["second_factor_roles"] = frozenset(raw.get("second_factor_roles", Policy.second_factor_roles))
    raw["calendar_check_next_year_from"] = tuple(raw.get("calendar_check_next_year_from", (12, 1)))
    return Policy(**raw)


def _dates(entry: str) -> list[dt.date]:
    """"2026-02-15" or an inclusive range "2026-02-15/2026-02-23"."""
    first, _, last = entry.partition("/")
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@cache
def _contacts() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((_DIR / "contacts.json").read_text(encoding="utf-8"))
    return loaded


def authority_phone(code: str) -> str:
    """The telephone number of authority `code` (contacts.json, filled in by the deployment), else the 12333
    hotline, named as such (docs/rules.md §14)."""
    contacts = _contacts()
    return contacts["phones"].get(code) or f"{contacts['hotline']}（人社服务热线）"


def published_phone(code: str) -> str | None:
    """Authority `code`'s own number if the deployment filled it in (contacts.json), else None."""
    phone: str | None = _contacts()["phones"].get(code)
    return phone


def hotline() -> str:
    """The 12333 hotline every page's footer names (contacts.json)."""
    return str(_contacts()["hotline"])


def support_phone() -> str:
    """The 技术支持 line, once the deployment publishes one (contacts.json); "" until then."""
    return str(_contacts().get("support_phone") or "")


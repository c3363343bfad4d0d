"""Operator commands.  python -m chalicelib.cli seed-demo | deliver-outbox

seed-demo exists only for the embedded backend: AWS mode has no default accounts or passwords.
"""
from __future__ import annotations

import argparse
import json
import secrets
import sys

DEMO_REVIEWERS = (  # (username, division, display name)
    ("demo-sheng", "140000", "演示审核员（山西省）"),
    ("demo-taiyuan", "140100", "演示审核员（太原市）"),
    ("demo-xiaodian", "140105", "演示审核员（小店区）"),
    ("demo-yingze", "140106", "演示审核员（迎泽区）"),
)


def seed_demo(c) -> list[dict]:
    """Create the demo reviewer accounts once; their random passwords are kept beside the data."""
    from .domain.jurisdiction import authority
    path = c.settings.data_dir / "demo-logins.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    logins = []
    for username, code, name in DEMO_REVIEWERS:
        password = "Demo-" + secrets.token_urlsafe(6)
        c.accounts.create_reviewer(username, password, code, name, email=f"{username}@demo.invalid")
        logins.append({"username": username, "password": password, "authority": authority(code).name})
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=1), encoding="utf-8")
    path.chmod(0o600)
    return logins


def main(argv: list[str] | None = None) -> int:
    from .bootstrap import container
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed-demo", help="create demo reviewer accounts (embedded backend only) and print them")
    sub.add_parser("deliver-outbox", help="send pending notifications now")
    args = parser.parse_args(argv)
    c = container()
    if args.command == "seed-demo":
        if not c.settings.embedded:
            print("seed-demo is for the embedded backend only; AWS mode has no demo accounts.", file=sys.stderr)
            return 2
        print("演示账号（DEMO，仅本地演示数据）：")
        for login in seed_demo(c):
            print(f"  {login['authority']:<24} 账号 {login['username']:<14} 密码 {login['password']}")
    elif args.command == "deliver-outbox":
        print(f"sent {c.outbox.deliver_pending()} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

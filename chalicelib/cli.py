"""Operator commands.  python -m chalicelib.cli seed-demo | deliver-outbox | run-scheduler
                      python -m chalicelib.cli create-admin --username U --division 140000 [--display-name N]
                      python -m chalicelib.cli daily [--today YYYY-MM-DD] [--dry-run]

seed-demo exists only for the embedded backend: AWS mode has no default accounts or passwords.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import secrets
import sys
import threading

from .bootstrap import container
from .domain.errors import DomainError
from .domain.jurisdiction import authority
from .domain.model import ROLE_LABEL, Role

DEMO_REVIEWERS = (  # (username, division, display name)
    ("demo-sheng", "140000", "演示审核员（山西省）"),
    ("demo-taiyuan", "140100", "演示审核员（太原市）"),
    ("demo-xiaodian", "140105", "演示审核员（小店区）"),
    ("demo-yingze", "140106", "演示审核员（迎泽区）"),
)
DEMO_ADMINS = tuple(  # (username, division, display name, role): the province's and 太原市's administrators
    (f"demo-{place}-{suffix}", code, f"演示{title}（{name}）", role)
    for place, code, name in (("sheng", "140000", "山西省"), ("taiyuan", "140100", "太原市"))
    for suffix, title, role in (("sysadmin", "系统管理员", "system_admin"), ("bizadmin", "业务管理员", "business_admin"),
                                ("security", "系统安全员", "security"), ("auditor", "业务审计员", "auditor")))


def seed_demo(c) -> list[dict]:
    """Create the demo reviewer accounts once; their random passwords are kept beside the data."""
    path = c.settings.data_dir / "demo-logins.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    logins = []
    for username, code, name, role in [(*r, "operator") for r in DEMO_REVIEWERS] + list(DEMO_ADMINS):
        password = "Demo-" + secrets.token_urlsafe(6)
        c.accounts.create_reviewer(username, password, code, name, email=f"{username}@demo.invalid", role=role)
        logins.append({"username": username, "password": password, "authority": authority(code).name, "role": role})
    path.write_text(json.dumps(logins, ensure_ascii=False, indent=1), encoding="utf-8")
    path.chmod(0o600)
    return logins


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD，例如 2026-06-23（收到 {text!r}）") from None


def _stop_with_parent(stop: threading.Event) -> None:
    """Started in the background by run-local.sh: set `stop` when the server has gone."""
    parent = os.getppid()

    def follow() -> None:
        while not stop.wait(5):
            if os.getppid() != parent:
                stop.set()
    threading.Thread(target=follow, daemon=True).start()


def _run_embedded(c, command: str, in_aws: str, banner: str, loop) -> int:
    """An embedded-backend process that runs `loop(stop)` until interrupted or until run-local.sh has gone."""
    if not c.settings.embedded:
        print(f"{command} is for the embedded backend; in AWS mode {in_aws}.", file=sys.stderr)
        return 2
    print(banner, flush=True)
    stop = threading.Event()
    _stop_with_parent(stop)
    try:
        loop(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def run_worker(c, threads: int) -> int:
    """Embedded mode's job worker process (docs/onprem.md), until interrupted."""
    from .adapters.embedded import scheduler  # the embedded backend's timer and worker; AWS mode has neither
    return _run_embedded(c, "run-worker", "SQS and Lambda run the jobs",
                         f"任务进程已启动：{threads}个线程处理导入、导出和人员索引",
                         lambda stop: scheduler.work(c, stop=stop, threads=threads))


def run_scheduler(c) -> int:
    """The embedded backend's daily timer (AWS mode has EventBridge), until interrupted."""
    from .adapters.embedded import scheduler  # the embedded backend's timer; AWS mode has none
    return _run_embedded(c, "run-scheduler", "EventBridge runs the daily job",
                         f"定时任务已启动：每天 {scheduler.DAILY_AT:%H:%M}（北京时间）发送备案提醒和审核提醒摘要",
                         lambda stop: scheduler.run(c, stop=stop, out=lambda line: print(line, flush=True)))


def serve(args) -> int:
    """The embedded backend's HTTP server (docs/onprem.md; scripts/run-local.sh); AWS mode is served by API Gateway.
    No container is built here: each gunicorn worker builds its own after the fork (an SQLite connection or a
    thread pool made before a fork is no good after it)."""
    from . import settings as settings_module
    from .web.wsgi import serve as serve_wsgi

    if settings_module.backend() != "embedded":
        print("serve is for the embedded backend; in AWS mode API Gateway serves the app.", file=sys.stderr)
        return 2
    serve_wsgi(args.host, args.port, workers=args.workers, threads=args.threads)
    return 0


def create_admin(c, args) -> int:
    try:
        account, password = c.accounts.create_admin(args.username, args.division, args.display_name,
                                                    role=Role(args.role), department=getattr(args, "department", None),
                                                    scope=getattr(args, "scope", None))
    except DomainError as e:
        print(e.message, file=sys.stderr)
        return 1
    print(f"已创建{ROLE_LABEL[account.role]} {account.username}（{account.scope}）")
    print(f"初始密码（只显示这一次，首次登录须修改）：{password}")
    return 0


def _size(n: int) -> str:
    return next(f"{n / 1024 ** i:.1f} {unit}" for i, unit in enumerate(("B", "KB", "MB", "GB", "TB"))
                if n < 1024 ** (i + 1) or unit == "TB")


def backup_data(args) -> int:
    """The embedded backend's data folder, backed up while the server runs (docs/onprem.md)."""
    from . import settings
    from .adapters.embedded.backup import DB, BackupRefused, backup
    if settings.backend() != "embedded":
        print("backup is for the embedded backend; in AWS mode DynamoDB's point-in-time recovery and the bucket's "
              "versioning keep the data.", file=sys.stderr)
        return 2
    try:
        made = backup(settings.data_dir(), args.to, archive=args.archive)
    except (BackupRefused, OSError) as e:
        print(f"备份失败：{e}", file=sys.stderr)
        return 1
    m, counts = made.manifest, made.manifest["counts"]
    print(f"备份完成：{made.path}")
    print(f"  数据库 {DB}：结构版本 {m['schema_version']}，备案 {counts['filings']} 份，单位 {counts['units']} 个，"
          f"上传 {counts['uploads']} 次，sha256 {m['database']['sha256']}")
    print(f"  文件：blobs/ 共 {m['blobs']['files']} 个（{_size(m['blobs']['bytes'])}）；{'、'.join(m['files']) or '无其他文件'}")
    if made.missing:
        print(f"  复制期间有 {len(made.missing)} 个上传文件已导入并删除（不影响恢复）")
    if "secret.key" not in m["files"]:
        print("注意：数据目录中没有 secret.key（密钥由环境变量 SECRET_KEY 提供），请另行妥善保存该密钥。", file=sys.stderr)
    return 0


def restore_data(args) -> int:
    """A backup restored into an empty data folder, verified (docs/onprem.md)."""
    from .adapters.embedded.backup import BackupRefused, restore
    from .adapters.embedded.sqlite.migrations import CURRENT
    try:
        m = restore(args.backup, args.data_dir)
    except (BackupRefused, OSError) as e:
        print(f"恢复失败（目标目录未写入任何内容）：{e}", file=sys.stderr)
        return 1
    counts, version = m["counts"], m["schema_version"]
    print(f"已恢复到 {os.path.abspath(args.data_dir)}（备份时间 {m['created_at']}，来自 {m['host']}:{m['data_dir']}）")
    print(f"  数据库：完整性检查 {m['restored']['integrity_check']}，结构版本 {version}，备案 {counts['filings']} 份，"
          f"单位 {counts['units']} 个，上传 {counts['uploads']} 次，sha256 与备份清单一致")
    print(f"  blobs/ 共 {m['blobs']['files']} 个文件，逐个校验一致；{'、'.join(m['files']) or '无其他文件'}")
    if version < CURRENT:
        print(f"  服务启动时会把数据库结构从版本 {version} 升级到 {CURRENT}")
    print(f"下一步：以 DATA_DIR={os.path.abspath(args.data_dir)} 启动服务")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed-demo", help="create demo reviewer accounts (embedded backend only) and print them")
    sub.add_parser("deliver-outbox", help="send pending notifications now")
    admin = sub.add_parser("create-admin", help="create a provincial administrator with a one-time password printed "
                                                "once (both backends; refuses an existing username)")
    admin.add_argument("--username", required=True)
    admin.add_argument("--division", required=True, help="the province's division code (140000)")
    admin.add_argument("--display-name", default="")
    admin.add_argument("--role", default="system_admin",
                       choices=["system_admin", "business_admin", "security", "auditor", "data_sharing"],
                       help="default system_admin; the others bootstrap the province's two approvers and auditor; "
                            "data_sharing: another department's read-only look-up account (needs --department)")
    admin.add_argument("--department", choices=["社会保险", "劳动保障监察", "就业失业", "信息服务"],
                       help="the department a data_sharing account serves")
    admin.add_argument("--scope", help="data_sharing only: the division code it covers, a province, city or county "
                                       "(default: the province); it reads statistics and the overdue list there")
    daily = sub.add_parser("daily", help="run the daily reminder job now (reminders, reviewer digest, delivery)")
    daily.add_argument("--today", type=_date, help="the day to run for, YYYY-MM-DD (default: today in Asia/Shanghai)")
    daily.add_argument("--dry-run", action="store_true", help="print what would be sent; write and send nothing")
    sub.add_parser("run-scheduler", help="embedded backend: run the daily job every day at 09:00 Asia/Shanghai")
    worker = sub.add_parser("run-worker", help="embedded backend: run queued imports, exports and person indexes "
                                               "(with JOB_WORKER=process; docs/onprem.md)")
    worker.add_argument("--threads", type=int, default=2, help="jobs run at once (default 2)")
    serving = sub.add_parser("serve", help="embedded backend: serve the app over HTTP with gunicorn (docs/onprem.md)")
    serving.add_argument("--host", default="127.0.0.1")
    serving.add_argument("--port", type=int, default=8000)
    serving.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) + 1),
                         help="worker processes (default: CPUs + 1, at most 4)")
    serving.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    saving = sub.add_parser("backup", help="embedded backend: back up DATA_DIR while the server runs (docs/onprem.md)")
    saving.add_argument("--to", default=os.environ.get("BACKUP_DIR") or "backups",
                        help="the folder to write labor-filing-backup-<UTC time> into ($BACKUP_DIR, else ./backups)")
    saving.add_argument("--archive", action="store_true", help="pack the backup as one .tar.gz")
    restoring = sub.add_parser("restore", help="embedded backend: restore a backup into an empty data folder, "
                                               "verified")
    restoring.add_argument("backup", help="a labor-filing-backup-… folder or .tar.gz")
    restoring.add_argument("--data-dir", required=True, help="an empty or new folder; then serve with DATA_DIR set to it")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command in ("run-worker", "run-scheduler"):  # long-running: their log lines go to the journal
        logging.basicConfig(level=logging.INFO,
                            format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
    if args.command in ("backup", "restore"):  # the data folder itself, not the app over it
        return backup_data(args) if args.command == "backup" else restore_data(args)
    c = container()
    if args.command == "seed-demo":
        if not c.settings.embedded:
            print("seed-demo is for the embedded backend only; AWS mode has no demo accounts.", file=sys.stderr)
            return 2
        print("演示账号（DEMO，仅本地演示数据）：")
        for login in seed_demo(c):
            role = ROLE_LABEL[Role(login.get("role", "operator"))]
            print(f"  {login['authority']:<20} {role:<10} 账号 {login['username']:<22} 密码 {login['password']}")
    elif args.command == "create-admin":
        return create_admin(c, args)
    elif args.command == "deliver-outbox":
        print(f"sent {c.outbox.deliver_pending()} message(s)")
    elif args.command == "daily":
        print("\n".join(c.reminders.run_daily(args.today, dry_run=args.dry_run).lines(detail=200)))
    elif args.command == "run-scheduler":
        return run_scheduler(c)
    elif args.command == "run-worker":
        return run_worker(c, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())

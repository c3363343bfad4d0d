"""Prints a deployed stage's app settings as shell exports, for the ops commands (python -m chalicelib.cli):

    eval "$(.venv/bin/python infra/stage_env.py prod)"
    .venv/bin/python -m chalicelib.cli create-admin --username sx-admin --division 140000

Reads the stack's outputs, so it needs credentials for the stage's account and its region.
"""
from __future__ import annotations

import shlex
import sys

OUTPUT_TO_ENV = {"TableName": "TABLE_NAME", "BucketName": "BUCKET_NAME", "SecretArn": "SECRET_ARN",
                 "MailFrom": "MAIL_FROM", "BaseUrl": "BASE_URL"}


def exports(outputs: list[dict]) -> str:
    values = {o["OutputKey"]: o["OutputValue"] for o in outputs}
    missing = [k for k in OUTPUT_TO_ENV if k not in values]
    if missing:
        raise SystemExit(f"the stack has no output {', '.join(missing)}: deploy the current infra/ first")
    return "\n".join(["export BACKEND=aws"] + [f"export {env}={shlex.quote(values[key])}"
                                               for key, env in OUTPUT_TO_ENV.items()])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("dev", "prod"):
        print("usage: stage_env.py dev|prod", file=sys.stderr)
        return 2
    import boto3
    stack = boto3.client("cloudformation").describe_stacks(StackName=f"labor-filing-{argv[1]}")["Stacks"][0]
    print(exports(stack.get("Outputs", [])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

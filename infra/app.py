"""The CDK app: one stack per stage (dev, prod) from the same code. Run through the CDK CLI (see README.md)."""
import shutil
from pathlib import Path

import aws_cdk as cdk
from filing_stack import STAGES, LaborFilingStack, StageSettings, check_mail_identities

# The Chalice construct packages the app into ./chalice.out/<uuid>/ on every synth; keep one run's worth.
shutil.rmtree(Path.cwd() / "chalice.out", ignore_errors=True)
app = cdk.App()
stages = [StageSettings.from_context(app, stage) for stage in STAGES]
check_mail_identities(stages)  # two stages must not both create one SES identity
for settings in stages:
    LaborFilingStack(app, settings)
app.synth()

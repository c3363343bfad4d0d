"""SMS through the Chinese providers: Alibaba Cloud 短信服务 (aliyun.py) and Tencent Cloud SMS (tencent.py).

The channel where SNS SMS is not offered (the AWS China Regions) and for an on-premises installation; both
backends use them (bootstrap.py picks them from SMS_PROVIDER). The providers send only approved templates under
an approved signature (签名), so a message goes out as its template's code and variables (base.py); docs/sms.md
says what to apply for and how to configure it. Standard library only (urllib, hmac): nothing for the Lambda
bundle to carry, and the requests are small enough to sign by hand.
"""

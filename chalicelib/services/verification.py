"""SMS verification codes (docs/rules.md §12): sent through the outbox (the Sender port: the local mailbox in the
embedded backend, SNS or the deployment's SMS provider on AWS) and checked once. The limits are kept by the
store: the day's counts are named sequences (atomic increments) taken before a code is written, and the code
itself is a conditional write over the one it replaces, so of requests racing for one number one wins."""
from __future__ import annotations

from ..domain import verification as v
from ..domain.errors import Conflict, RateLimited, ValidationFailed, problem
from ..domain.model import MessageKind
from ..domain.reference import policy
from ..ports import AlreadyExists, Clock, StaleVersion, Store
from .messages import sms

CODE_TITLE = "验证码"


def code_refused(message: str, field: str = "code") -> ValidationFailed:
    return ValidationFailed(message, [problem(message, column=CODE_TITLE, field=field)])


def resend_refused(seconds: int) -> RateLimited:
    return RateLimited(f"验证码已发送，请{seconds}秒后再重新获取")


class VerificationService:
    def __init__(self, store: Store, clock: Clock):
        self.store, self.clock = store, clock

    def send(self, purpose: v.Purpose, mobile: str, address: str, *, subject: str | None = None,
             deliver: bool = True) -> None:
        """Send a new code to `mobile` (`deliver` False: count and record it all the same, send nothing, so the
        answer never tells whether a number belongs to an account). RateLimited (429) within the resend interval
        or over a day's cap; ValidationFailed for a malformed number."""
        if message := v.mobile_problem(mobile):
            raise ValidationFailed(message, [problem(message, column="手机号", field="mobile")])
        now, p = self.clock.now(), policy()
        before = self.store.get_code(v.code_key(purpose, mobile))
        if wait := v.wait_seconds(before, now):
            raise resend_refused(wait)
        per_number, per_address = v.day_counters(mobile, address or "unknown", now)
        if self.store.next_sequence(per_number) > p.verification_codes_per_number_per_day:
            raise RateLimited("该手机号今天获取验证码的次数已达上限，请明天再试")
        if self.store.next_sequence(per_address) > p.verification_codes_per_address_per_day:
            raise RateLimited("您今天获取验证码的次数过多，请明天再试")
        code = v.new_code()
        record = v.issued(purpose, mobile, code, now, subject=subject, before=before)
        label, minutes = v.PURPOSE_LABEL[purpose], str(p.verification_code_minutes)
        messages = [sms(self.clock, kind=MessageKind.VERIFICATION, to=mobile, subject=f"{label}验证码",
                        body=f"【劳动用工备案】您的{label}验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
                        template="verification_code", params={"code": code, "minutes": minutes})] if deliver else []
        try:
            self.store.save_code(record, expected_version=before.version if before else None, messages=messages)
        except (StaleVersion, AlreadyExists):  # another request for this number won the race
            raise resend_refused(p.verification_resend_seconds) from None

    def check(self, purpose: v.Purpose, mobile: str, code: str, *, field: str = "code") -> v.VerificationCode:
        """Use the code sent to `mobile` for `purpose`: the record, now spent. A wrong code counts a try
        (conditional write: racing guesses cannot get more tries than allowed). `field`: the form's name for it."""
        key = v.code_key(purpose, mobile)
        for _ in range(5):
            record = self.store.get_code(key)
            now = self.clock.now()
            if record is None or v.spent(record, now):
                raise code_refused("验证码已失效，请重新获取", field)
            right = v.matches(record, code or "")
            after = record.model_copy(update={"used": True} if right else {"tries": record.tries + 1})
            try:
                self.store.save_code(after.model_copy(update={"version": record.version + 1}),
                                     expected_version=record.version)
            except StaleVersion:
                continue
            if right:
                return after
            left = policy().verification_code_tries - after.tries
            raise code_refused(f"验证码不正确，还可再试{left}次" if left > 0 else "验证码不正确，已失效，请重新获取", field)
        raise Conflict("验证码正在被核对，请稍后重试")

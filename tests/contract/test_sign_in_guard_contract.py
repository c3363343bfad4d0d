"""Sign-in attempts are counted before the password is checked, by a conditional write on both backends
(docs/rules.md §13): concurrent guesses cannot beat the threshold, and a wait never becomes a lock."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.domain.errors import RateLimited, Unauthenticated
from chalicelib.domain.sign_in import SignInGuard
from chalicelib.ports import StaleVersion
from chalicelib.services import accounts as accounts_module
from chalicelib.services.accounts import AccountService
from chalicelib.services.token_signer import TokenSigner
from tests.conftest import FakeClock

PASSWORD = "Staff-Passw0rd"


@pytest.fixture
def service(store):
    clock = FakeClock()
    service = AccountService(store, clock, TokenSigner("s" * 32))
    service.create_reviewer("xd-op", PASSWORD, "140105", "小店审核员")
    return service


def test_a_guard_is_written_only_at_the_version_read(store):
    first = SignInGuard(key="k", attempts=1, last_at=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc), version=1)
    store.save_sign_in_guard(first, expected_version=0)
    with pytest.raises(StaleVersion):
        store.save_sign_in_guard(first, expected_version=0)  # someone else created it first
    second = first.model_copy(update={"attempts": 2, "version": 2})
    store.save_sign_in_guard(second, expected_version=1)
    with pytest.raises(StaleVersion):
        store.save_sign_in_guard(second.model_copy(update={"version": 3}), expected_version=1)
    assert store.get_sign_in_guard("k") == second and store.get_sign_in_guard("other") is None


@pytest.mark.parametrize("right_among_them", [True, False])
def test_twenty_concurrent_guesses_check_the_password_at_most_threshold_times(service, monkeypatch,
                                                                              right_among_them):
    checked = []
    real_verify = accounts_module.verify_password
    lock = threading.Lock()

    def counting_verify(password, stored):
        with lock:
            checked.append(password)
        return real_verify(password, stored)
    monkeypatch.setattr(accounts_module, "verify_password", counting_verify)
    guesses = [f"wrong-guess-{i}" for i in range(19)] + [PASSWORD if right_among_them else "wrong-guess-19"]
    start = threading.Barrier(len(guesses))

    def guess(password):
        start.wait()
        try:
            service.login("xd-op", password, client="")
            return "signed in"
        except Unauthenticated:
            return "wrong"
        except RateLimited:
            return "wait"
    with ThreadPoolExecutor(max_workers=len(guesses)) as pool:
        answers = list(pool.map(guess, guesses))
    if PASSWORD in checked:  # it signed in only as one of the first five tries; the success cleared the count
        assert checked.index(PASSWORD) < 5 and answers.count("signed in") == 1
    else:  # lockout_threshold tries, the rest refused without any password being tried
        assert len(checked) <= 5 and answers.count("wait") >= 15, checked
        with pytest.raises(RateLimited):
            service.login("xd-op", PASSWORD, client="")


def test_an_outsider_cannot_keep_a_staff_member_out_once_the_wait_is_over(service):
    for _ in range(40):  # an anonymous client hammering the name
        with pytest.raises((Unauthenticated, RateLimited)):
            service.login("xd-op", "guess", client="")
    with pytest.raises(RateLimited) as waiting:
        service.login("xd-op", PASSWORD, client="")
    assert waiting.value.retry_after and "后再试" in waiting.value.message
    service.clock.advance(seconds=waiting.value.retry_after)
    _, _, who = service.login("xd-op", PASSWORD, client="")
    assert who.username == "xd-op"
    service.login("xd-op", PASSWORD, client="")  # the success cleared the count

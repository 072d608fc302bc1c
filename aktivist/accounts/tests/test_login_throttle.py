"""The login throttle (aktivist/accounts/axes.py, aktivist/lib/client_address.py).

An account is locked from one client address only: five wrong passwords from a stranger
never lock the owner out, behind our proxies too, where the address is read from
X-Forwarded-For hops our own proxies added. One address trying many accounts (password
spraying) is refused after LOGIN_FAILURES_PER_ADDRESS failures, whichever accounts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.2"  # our own reverse proxy
STRANGER = "203.0.113.7"
OWNER = "198.51.100.20"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.USE_X_FORWARDED_FOR = False


@pytest.fixture
def password_checks() -> Iterator[mock.MagicMock]:
    """Counts the passwords actually compared (the tests hash with MD5, see conftest)."""
    with mock.patch.object(
        MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify
    ) as verify:
        yield verify


def attempt(
    client: Client, email: str, password: str, *, peer: str, forwarded: str | None = None
) -> int:
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post(LOGIN, {"username": email, "password": password}, **extra)
    return response.status_code


def owner_logs_in(email: str, *, peer: str, forwarded: str | None = None) -> bool:
    """The owner, in a browser of their own, types the right password."""
    client = Client()
    status = attempt(client, email, PASSWORD, peer=peer, forwarded=forwarded)
    return status == 302 and "_auth_user_id" in client.session


def board_account(email: str) -> None:
    # Board viewers need no second factor: a right password goes straight in.
    UserFactory(email=email, access_role=User.AccessRole.BOARD)


def test_a_strangers_five_wrong_passwords_do_not_lock_the_owner_elsewhere(client: Client) -> None:
    board_account("maja@example.org")
    codes = [attempt(client, "maja@example.org", "wrong", peer=STRANGER) for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert attempt(client, "maja@example.org", PASSWORD, peer=STRANGER) == 429
    assert owner_logs_in("maja@example.org", peer=OWNER)


def test_behind_the_proxy_a_stranger_does_not_lock_the_account_for_everyone(
    client: Client, behind_proxy: None
) -> None:
    board_account("maja@example.org")
    codes = [
        attempt(client, "maja@example.org", "wrong", peer=PROXY, forwarded=STRANGER)
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    # The stranger stays locked out, right password or not ...
    assert attempt(client, "maja@example.org", PASSWORD, peer=PROXY, forwarded=STRANGER) == 429
    # ... while the owner, through the same proxy, logs in.
    assert owner_logs_in("maja@example.org", peer=PROXY, forwarded=OWNER)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


def test_behind_a_chain_of_proxies_the_first_untrusted_hop_is_the_client(
    client: Client, behind_proxy: None
) -> None:
    board_account("maja@example.org")
    # What the client wrote itself (the left-most "1.2.3.4") is not believed.
    chain = f"1.2.3.4, {STRANGER}, 10.0.0.9"
    for _ in range(5):
        attempt(client, "maja@example.org", "wrong", peer=PROXY, forwarded=chain)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert owner_logs_in("maja@example.org", peer=PROXY, forwarded=f"{OWNER}, 10.0.0.9")


def test_a_forwarded_header_from_outside_the_proxies_is_ignored(
    client: Client, behind_proxy: None
) -> None:
    board_account("maja@example.org")
    # A client connecting directly claims a new address on every try, even the owner's:
    # it is counted at its own address and locked all the same.
    codes = [
        attempt(client, "maja@example.org", "wrong", peer=STRANGER, forwarded=f"192.0.2.{n}")
        for n in range(1, 5)
    ]
    codes.append(attempt(client, "maja@example.org", "wrong", peer=STRANGER, forwarded=OWNER))
    assert codes == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert owner_logs_in("maja@example.org", peer=PROXY, forwarded=OWNER)


def test_one_address_trying_many_accounts_is_refused_at_the_per_address_limit(
    client: Client, settings: Any, password_checks: mock.MagicMock
) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    emails = [f"konto{n}@example.org" for n in range(21)]
    for email in emails:
        board_account(email)
    codes = [attempt(client, email, "wrong", peer=STRANGER) for email in emails[:20]]
    assert codes == [200] * 19 + [429]  # one wrong password each: no account is locked itself
    assert password_checks.call_count == 20
    # The address is refused now, for every account, even with the right password.
    assert attempt(client, emails[20], PASSWORD, peer=STRANGER) == 429
    assert password_checks.call_count == 20
    # Everyone else goes on logging in.
    assert owner_logs_in(emails[20], peer=OWNER)
    assert owner_logs_in(emails[0], peer=OWNER)


def test_the_per_address_limit_is_configurable(client: Client, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(4):
        board_account(f"konto{n}@example.org")
    codes = [attempt(client, f"konto{n}@example.org", "wrong", peer=STRANGER) for n in range(3)]
    assert codes == [200, 200, 429]
    assert attempt(client, "konto3@example.org", PASSWORD, peer=STRANGER) == 429


ACCOUNTS = 50
WRONG_PASSWORDS = 1000


@pytest.fixture
def fifty_accounts() -> list[str]:
    emails = [f"konto{n}@example.org" for n in range(ACCOUNTS)]
    for email in emails:
        board_account(email)
    return emails


def test_a_thousand_wrong_passwords_from_one_address(
    client: Client,
    settings: Any,
    fifty_accounts: list[str],
    password_checks: mock.MagicMock,
) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    codes = [
        attempt(client, fifty_accounts[n % ACCOUNTS], f"guess-{n}", peer=STRANGER)
        for n in range(WRONG_PASSWORDS)
    ]
    # Throttled as declared: 20 passwords are compared, the 20th answers with the lockout
    # page, the other 980 are refused without comparing anything.
    assert password_checks.call_count == 20
    assert codes.count(200) == 19
    assert codes.count(429) == WRONG_PASSWORDS - 19
    assert codes[19:] == [429] * (WRONG_PASSWORDS - 19)
    # No owner is locked out by the stranger.
    locked_out = [email for email in fifty_accounts if not owner_logs_in(email, peer=OWNER)]
    assert locked_out == []


def test_a_thousand_wrong_passwords_from_many_addresses_behind_the_proxy(
    client: Client,
    settings: Any,
    behind_proxy: None,
    fifty_accounts: list[str],
    password_checks: mock.MagicMock,
) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    addresses = [f"203.0.113.{n}" for n in range(1, 41)]  # 40 addresses, 25 tries each
    codes: dict[str, list[int]] = {address: [] for address in addresses}
    for n in range(WRONG_PASSWORDS):
        address = addresses[n % len(addresses)]
        email = fifty_accounts[(n // len(addresses) + n) % ACCOUNTS]
        codes[address].append(
            attempt(client, email, f"guess-{n}", peer=PROXY, forwarded=f"{address}, {PROXY}")
        )
    # Every address is held to its own limit: 20 compared passwords each (the 20th gets
    # the lockout page), its other 5 refused.
    assert password_checks.call_count == 40 * 20
    for address in addresses:
        assert codes[address] == [200] * 19 + [429] * 6, address
    # The proxy's address was never the key, and no owner is locked out.
    assert not AccessAttempt.objects.filter(ip_address=PROXY).exists()
    locked_out = [
        email
        for email in fifty_accounts
        if not owner_logs_in(email, peer=PROXY, forwarded=f"{OWNER}, {PROXY}")
    ]
    assert locked_out == []

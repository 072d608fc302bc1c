"""Shared test set-up: fast, deterministic settings; the personas and a two-district world
whose other half must never leak."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from aktivist.accounts.models import User
from aktivist.accounts.tests.factories import AccessScopeFactory, UserFactory
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import (
    PostcodePrefixFactory,
    RoleFactory,
    RoleTypeFactory,
    UnitFactory,
    UnitMembershipFactory,
)
from aktivist.people.models import Person
from aktivist.people.tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "urgent"],
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"
    settings.AXES_ENABLED = True
    # No copy of every message in the database (query counts, tests without one); the
    # sent-messages page's tests switch it on (staff/tests/test_sent_messages.py).
    settings.KEEP_SENT_MESSAGES = False
    _forget_process_caches()


def _forget_process_caches() -> None:
    """Caches that outlive a test's database: rate-limit counters, the postcode prefix map,
    the consent wordings known to be stored, the console SMS outbox."""
    from django.core.cache import cache

    from aktivist.campaigns.channels import forget_channel_cache
    from aktivist.campaigns.signing import forget_prefix_cache
    from aktivist.core import sms
    from aktivist.people import consents
    from aktivist.public.api import forget_action_cache

    cache.clear()
    forget_prefix_cache()
    forget_channel_cache()
    forget_action_cache()
    consents._known_wordings.clear()
    sms.get_transport().outbox.clear()


@pytest.fixture
def sms_outbox() -> list[tuple[str, str]]:
    """Messages the console SMS transport sent in this test: (to, body)."""
    from aktivist.core import sms

    return sms.get_transport().outbox


@dataclass
class World:
    national: Unit
    district_a: Unit
    group_a1: Unit
    group_a2: Unit
    district_b: Unit
    group_b1: Unit
    # People: one reason each to be seen
    home_a: Person  # home unit district A by postcode, no membership
    member_a1: Person  # current member of group A1
    former_member_a1: Person  # membership of A1 ended
    role_a1: Person  # holds a current role in A1
    member_a2: Person  # member of group A2
    member_b1: Person  # member of group B1 (district B)
    home_b: Person  # home unit district B


def login(client: Client, user: User) -> Client:
    """Log in; accounts that must use two-factor get a verified device in the session."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if user.requires_two_factor:
        from django_otp import DEVICE_ID_SESSION_KEY

        device = give_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def give_device(user: User) -> Any:
    """The account's confirmed authenticator-app device (created for the test if missing)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    return device


def browser_log_in(
    page: Any,
    user: User,
    *,
    username: str | None = None,
    password: str = "correct-horse-battery",  # noqa: S107 - UserFactory's test password
) -> None:
    """On the login page the browser shows: type the account's email (or ``username``) and
    password and, for an account that uses two-factor, the current code of its authenticator
    app (a device is given to it first). The browser then goes on to the login's ``next``."""
    from aktivist.accounts.tests.factories import totp_token

    device = give_device(user) if user.requires_two_factor else None
    page.fill("input[name=username]", username or user.email)
    page.fill("input[name=password]", password)
    page.click("form.stacked button[type=submit]")
    if device is not None:
        page.wait_for_url("**/accounts/two-factor/verify/**")
        page.fill("input[name=token]", totp_token(device))
        page.click("form.stacked button[type=submit]")


@pytest.fixture
def world(db: Any) -> World:
    national = UnitFactory(name="Sverige", kind=Unit.Kind.NATIONAL)
    district_a = UnitFactory(name="Distrikt Skåne", kind=Unit.Kind.DISTRICT, parent=national)
    group_a1 = UnitFactory(name="Grupp Malmö", kind=Unit.Kind.LOCAL_GROUP, parent=district_a)
    group_a2 = UnitFactory(name="Grupp Lund", kind=Unit.Kind.LOCAL_GROUP, parent=district_a)
    district_b = UnitFactory(name="Distrikt Norr", kind=Unit.Kind.DISTRICT, parent=national)
    group_b1 = UnitFactory(name="Grupp Umeå", kind=Unit.Kind.LOCAL_GROUP, parent=district_b)
    PostcodePrefixFactory(unit=district_a, prefix="21")
    PostcodePrefixFactory(unit=group_a1, prefix="211")
    PostcodePrefixFactory(unit=district_b, prefix="90")
    contact = RoleTypeFactory(slug="group-contact", name="Gruppkontakt", name_en="Group contact")

    home_a = PersonFactory(
        first_name="Hanna", last_name="Holm", postcode="22100", home_unit=district_a
    )
    member_a1 = PersonFactory(first_name="Märta", last_name="Malm")
    UnitMembershipFactory(person=member_a1, unit=group_a1)
    former_member_a1 = PersonFactory(first_name="Folke", last_name="Fors")
    UnitMembershipFactory(
        person=former_member_a1, unit=group_a1, ended_on="2025-01-01", started_on="2024-01-01"
    )
    role_a1 = PersonFactory(first_name="Rut", last_name="Roos")
    RoleFactory(person=role_a1, unit=group_a1, role_type=contact)
    member_a2 = PersonFactory(first_name="Åke", last_name="Ek")
    UnitMembershipFactory(person=member_a2, unit=group_a2)
    member_b1 = PersonFactory(first_name="Björn", last_name="Berg")
    UnitMembershipFactory(person=member_b1, unit=group_b1)
    home_b = PersonFactory(
        first_name="Ylva", last_name="Ström", postcode="90325", home_unit=district_b
    )
    return World(
        national=national,
        district_a=district_a,
        group_a1=group_a1,
        group_a2=group_a2,
        district_b=district_b,
        group_b1=group_b1,
        home_a=home_a,
        member_a1=member_a1,
        former_member_a1=former_member_a1,
        role_a1=role_a1,
        member_a2=member_a2,
        member_b1=member_b1,
        home_b=home_b,
    )


@dataclass
class Personas:
    admin: User
    staff: User
    district_a: User
    coordinator_a1: User
    coordinator_b1: User
    board: User
    # The data-protection officer: the privacy pages, no people pages.
    dpo: User

    def all(self) -> dict[str, User | None]:
        return {
            "admin": self.admin,
            "staff": self.staff,
            "district_a": self.district_a,
            "coordinator_a1": self.coordinator_a1,
            "coordinator_b1": self.coordinator_b1,
            "board": self.board,
            "dpo": self.dpo,
            "anonymous": None,
        }


@pytest.fixture
def personas(world: World) -> Personas:
    admin = UserFactory(access_role=User.AccessRole.ADMIN, is_staff=True, email="admin@example.org")
    staff = UserFactory(access_role=User.AccessRole.STAFF, email="staff@example.org")
    district_a = UserFactory(access_role=User.AccessRole.DISTRICT, email="district-a@example.org")
    AccessScopeFactory(user=district_a, unit=world.district_a)
    coordinator_a1 = UserFactory(
        access_role=User.AccessRole.COORDINATOR, email="coord-a1@example.org"
    )
    AccessScopeFactory(user=coordinator_a1, unit=world.group_a1)
    coordinator_b1 = UserFactory(
        access_role=User.AccessRole.COORDINATOR, email="coord-b1@example.org"
    )
    AccessScopeFactory(user=coordinator_b1, unit=world.group_b1)
    board = UserFactory(access_role=User.AccessRole.BOARD, email="board@example.org")
    dpo = UserFactory(access_role=User.AccessRole.DPO, email="dpo@example.org")
    return Personas(admin, staff, district_a, coordinator_a1, coordinator_b1, board, dpo)


@pytest.fixture
def client_for(client: Client) -> Any:
    """client_for(user) -> a logged-in test client (anonymous for None)."""

    def make(user: User | None) -> Client:
        c = Client()
        if user is not None:
            login(c, user)
        return c

    return make


@pytest.fixture
def smtp_server(tmp_path: Any, settings: Any) -> Any:
    """A real SMTP server on loopback (aiosmtpd in a subprocess) writing to a Maildir.
    Yields the mailbox.Maildir; Django's SMTP backend is pointed at it."""
    import mailbox
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    maildir = tmp_path / "maildir"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    try:
        yield mailbox.Maildir(str(maildir), create=True)
    finally:
        proc.terminate()
        proc.wait(timeout=5)


# --- Browser tests: Playwright driving the system's Chromium -----------------------------

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def find_chromium() -> str | None:
    import os
    import shutil

    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.path.exists(configured) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_browser() -> Any:
    import os

    path = find_chromium()
    if path is None:
        message = "No Chromium found (install Debian's 'chromium' or set CHROMIUM_PATH)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: browser tests must run in CI.")
        pytest.skip(f"{message}: browser tests skipped.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django must allow ORM calls from tests.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium_browser: Any, live_server: Any) -> Any:
    """A phone-sized page (375×740) against the live server; Swedish by default."""
    context = chromium_browser.new_context(
        viewport={"width": 375, "height": 740}, base_url=live_server.url, locale="sv-SE"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def assert_accessible(page: Any) -> None:
    """axe-core with the WCAG 2.1 A/AA tags: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(bad)


# --- A fake SMS provider on loopback --------------------------------------------------------


@dataclass
class FakeSms:
    port: int
    log: Any
    user: str = "elk-user"
    password: str = "elk-password"  # noqa: S105 - the fake provider's, on loopback

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages(self) -> list[dict[str, Any]]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def use(self, settings: Any, provider: str = "46elks") -> None:
        """Point the SMS settings at this fake, as the provider named."""
        settings.SMS_46ELKS_API_URL = f"{self.url}/a1"
        settings.SMS_46ELKS_USERNAME, settings.SMS_46ELKS_PASSWORD = self.user, self.password
        settings.SMS_TWILIO_API_URL = f"{self.url}/2010-04-01"
        settings.SMS_TWILIO_ACCOUNT_SID = self.user
        settings.SMS_TWILIO_AUTH_TOKEN = self.password
        settings.SMS_BACKEND = {
            "46elks": "aktivist.core.sms.FortySixElksTransport",
            "twilio": "aktivist.core.sms.TwilioTransport",
        }[provider]


@pytest.fixture
def fake_sms(tmp_path: Any) -> Any:
    """The fake 46elks/Twilio API (aktivist/core/tests/fake_sms.py) in its own process."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake = FakeSms(port=port, log=tmp_path / "sms.jsonl")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "aktivist.core.tests.fake_sms",
            str(port),
            str(fake.log),
            fake.user,
            fake.password,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield fake
    finally:
        proc.terminate()
        proc.wait(timeout=5)

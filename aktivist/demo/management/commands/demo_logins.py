"""manage.py demo_logins: the demo staff accounts to log in with.

Prints the site URL, each demo account's email, access role, scope and the demo password;
for accounts that need two-factor authentication the TOTP secret (base32), the otpauth://
URL, a QR code for an authenticator app and the current 6-digit code. Nothing personal
beyond the demo accounts themselves."""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from aktivist.accounts.models import User
from aktivist.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo logins (email, role, scope, password, two-factor secret and code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-qr", action="store_true", help="leave out the QR codes")

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.email: u for u in User.objects.filter(email__in=[a.email for a in DEMO_ACCOUNTS])
        }
        if not users:
            self.stdout.write(
                "No demo accounts yet. Create them with `manage.py demo_data` "
                "(or `make demo`), then run `manage.py demo_logins` again."
            )
            return
        url = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Aktivist demo logins — {url}"))
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        for account in DEMO_ACCOUNTS:
            user = users.get(account.email)
            if user is None:
                continue
            scopes = ", ".join(
                s.unit.name for s in user.scopes.select_related("unit").order_by("unit__path")
            )
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"{account.email}"))
            self.stdout.write(f"  role:  {user.get_access_role_display()}")
            self.stdout.write(f"  scope: {scopes or ('everything' if user.is_national else '—')}")
            self.stdout.write(f"  password: {DEMO_PASSWORD}")
            if not user.is_active:
                self.stdout.write("  (this account is deactivated)")
            if not user.requires_two_factor:
                continue
            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
            if device is None:
                self.stdout.write("  two-factor: set up at first login")
                continue
            secret = b32encode(device.bin_key).decode()
            code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
            self.stdout.write(f"  two-factor secret (base32): {secret}")
            self.stdout.write(f"  otpauth URL: {device.config_url}")
            self.stdout.write(f"  current code: {code:0{device.digits}d}")
            if not options["no_qr"]:
                import segno

                buffer = io.StringIO()
                segno.make(device.config_url).terminal(out=buffer, compact=True)
                self.stdout.write(buffer.getvalue(), ending="")

"""Demo staff accounts are active (as if a second admin had activated them) and pass the second
factor too: each gets an authenticator key, printed at the end of its LOGIN line so that a
tester can add it to an app (or compute codes with oathtool)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from passplus.accounts.two_factor import APP_DEVICE_NAME, base32_secret

if TYPE_CHECKING:
    from passplus.accounts.models import User


def enrol_demo_staff(users: list[User]) -> None:
    """Activate the demo's staff accounts (no second admin exists yet to do it) and give each
    its authenticator app."""
    now = timezone.now()
    for user in users:
        user.staff_activated_at = now
        user.save(update_fields=["staff_activated_at"])
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=user, name=APP_DEVICE_NAME, confirmed=True) for user in users
    )


def demo_totp_secret(email: str) -> str:
    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
    return base32_secret(device) if device else ""

"""Logging a département staff user in through the real pages: password, then the second factor
(enrolment by QR code the first time — its pages checked too — or the app's current code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from passplus.accounts.models import User
from tests.browser.pages import log_in
from tests.helpers import current_totp


def log_in_staff(
    page: Any, base_url: str, email: str, password: str, check: Callable[[str], None]
) -> None:
    log_in(page, base_url, email, password, landing=re.compile(r"/compte/double-authentification/"))
    check("double authentification")
    user = User.objects.get(email=email)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if device is None:  # the enrolment page has just created the app's key
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        assert page.locator("figure.qr-code svg").count() == 1
    code = page.get_by_label(re.compile("^Code"))
    code.fill(current_totp(device))
    code.press("Enter")
    if enrolling:
        page.wait_for_selector(".recovery-codes")
        check("codes de secours")
        page.get_by_role("link", name="Continuer").click()
    page.wait_for_url(f"{base_url}/gestion/")

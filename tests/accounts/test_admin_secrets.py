"""Django's admin shows nothing that would let one admin act as someone else: no TOTP key, no
recovery code, no task argument, result or traceback (they may hold a link or a code)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from passplus.notifications.tasks import send_sms
from tests.helpers import factories
from tests.helpers.accounts import confirmed_totp_device
from tests.helpers.database import assert_unchanged

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(factories.UserFactory(admin=True))
    return client


@pytest.fixture
def finance_device() -> TOTPDevice:
    return confirmed_totp_device(factories.UserFactory(finance=True))


def shown(response: Any) -> str:
    return response.content.decode() if response.status_code == 200 else ""


def key_forms(device: TOTPDevice) -> list[str]:
    return [device.key, base64.b32encode(device.bin_key).decode().rstrip("=")]


def test_the_device_list_and_page_never_show_a_totp_key(
    admin_client: Client, finance_device: TOTPDevice
) -> None:
    base = "/django-admin/otp_totp/totpdevice/"
    listing = admin_client.get(base)
    assert listing.status_code == 200
    assert finance_device.user.email in shown(listing)  # the devices are listed
    pages = [
        listing,
        admin_client.get(f"{base}{finance_device.pk}/change/"),
        admin_client.get(f"{base}{finance_device.pk}/config/"),
        admin_client.get(f"{base}{finance_device.pk}/qrcode/"),
        admin_client.get(f"{base}add/"),
    ]
    for page in pages:
        for key in key_forms(finance_device):
            assert key.lower() not in shown(page).lower()
        assert "otpauth://" not in shown(page)


def test_an_admin_can_neither_change_a_key_nor_add_a_device_for_someone(
    admin_client: Client, finance_device: TOTPDevice
) -> None:
    base = "/django-admin/otp_totp/totpdevice/"
    known_key = "3132333435363738393031323334353637383930"
    before = TOTPDevice.objects.count()
    device_form = {
        "user": finance_device.user.pk,
        "name": "x",
        "confirmed": "on",
        "key": known_key,
        "step": 30,
        "t0": 0,
        "digits": 6,
        "tolerance": 1,
        "drift": 0,
        "throttling_failure_count": 0,
    }

    with assert_unchanged(finance_device, counted=[LogEntry]):
        admin_client.post(
            f"{base}{finance_device.pk}/change/",
            device_form,
        )
        added = admin_client.post(
            f"{base}add/",
            device_form,
        )

    finance_device.refresh_from_db()
    assert finance_device.key != known_key
    assert added.status_code == 403
    assert TOTPDevice.objects.count() == before
    assert not TOTPDevice.objects.filter(key=known_key).exists()


def test_recovery_codes_are_not_shown_nor_addable(admin_client: Client) -> None:
    user = factories.UserFactory(finance=True)
    device = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    StaticToken.objects.create(device=device, token="a1b2c3d4e5f60718")
    base = "/django-admin/otp_static/staticdevice/"

    listing = admin_client.get(base)
    change = admin_client.get(f"{base}{device.pk}/change/")
    add = admin_client.get(f"{base}add/")

    assert user.email in shown(listing)
    for page in (listing, change, add):
        assert "a1b2c3d4e5f60718" not in shown(page)
    assert add.status_code == 403


def test_task_results_are_listed_without_arguments_results_or_tracebacks(
    admin_client: Client,
) -> None:
    # A task queued in clear (as before the queue was sealed): its arguments hold a code.
    send_sms.enqueue(to="+33612345678", text="Votre code est 482913.")
    DBTaskResult.objects.update(
        return_value="lien https://pass.example.fr/compte/mot-de-passe/nouveau/MQ/abc-def/",
        traceback="Traceback: SecretLeak 482913",
    )
    result = DBTaskResult.objects.get()
    base = "/django-admin/django_tasks_database/dbtaskresult/"

    listing = admin_client.get(base)
    change = admin_client.get(f"{base}{result.pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert "send_sms" in shown(listing)  # what ran is still visible
    for page in (listing, change):
        assert "482913" not in shown(page)
        assert "mot-de-passe/nouveau" not in shown(page)
        assert "+33612345678" not in shown(page)
    assert json.dumps(result.args_kwargs)  # unchanged in the database, only hidden


def test_an_admin_cannot_redirect_a_colleagues_account_to_their_own_address(
    admin_client: Client,
) -> None:
    """Changing a finance user's e-mail, then asking a reset link, would hand the account (and
    its four-eyes approval) to the admin: staff identities are read-only in Django's admin."""
    finance = factories.UserFactory(finance=True, email="finance2@departement.fr")
    page = f"/django-admin/accounts/user/{finance.pk}/change/"
    form = admin_client.get(page)
    assert form.status_code == 200

    admin_client.post(
        page,
        {
            "email": "moi@example.fr",
            "role": "family",
            "first_name": "X",
            "last_name": "Y",
            "is_active": "on",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "00:00:00",
        },
    )

    finance.refresh_from_db()
    assert (finance.email, finance.role) == ("finance2@departement.fr", "finance")


def test_an_admin_may_still_change_a_partners_address(admin_client: Client) -> None:
    member = factories.UserFactory(organisation_member=True, email="ancien@club.fr")
    page = f"/django-admin/accounts/user/{member.pk}/change/"
    soup_fields = admin_client.get(page).content.decode()
    assert 'name="email"' in soup_fields

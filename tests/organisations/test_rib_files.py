"""A RIB file is stored and served under the type its bytes show, never under the name or the
type the uploader gave: a PDF named `rib.hta` is kept and served as a PDF, as an attachment."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import BankAccount
from tests.helpers.affiliation import (
    PDF_BYTES,
    PNG_BYTES,
    bank_data,
    fill_until,
    post_step,
    rib_upload,
    signing_partner,
)
from tests.helpers.factories import BankAccountFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_bank_details(client: Client, upload: SimpleUploadedFile) -> BankAccount:
    organisation = OrganisationFactory()
    BankAccountFactory(organisation=organisation, validated=True)
    client.force_login(UserFactory(organisation_member=True, organisation=organisation))
    response = client.post(
        reverse("partner:bank_details"),
        {
            "holder": "Club de Test",
            "iban": "FR7630004000031234567890143",
            "bic": "",
            "rib_document": upload,
        },
    )
    assert response.status_code == 302
    return BankAccount.objects.filter(organisation=organisation).latest("pk")


def download(client: Client, account: BankAccount) -> Any:
    client.force_login(UserFactory(gestionnaire=True))
    return client.get(
        reverse("backoffice:bank_account_rib", args=[account.organisation_id, account.pk])
    )


@pytest.mark.parametrize(
    ("name", "declared", "content", "suffix", "mime"),
    [
        ("rib.hta", "application/hta", PDF_BYTES, ".pdf", "application/pdf"),
        ("rib.html", "text/html", PNG_BYTES, ".png", "image/png"),
        ("RIB", "application/octet-stream", PDF_BYTES, ".pdf", "application/pdf"),
        ("rib.png", "image/png", PDF_BYTES, ".pdf", "application/pdf"),
    ],
)
def test_the_stored_and_served_file_takes_the_type_of_its_bytes(
    client: Client, name: str, declared: str, content: bytes, suffix: str, mime: str
) -> None:
    account = change_bank_details(client, SimpleUploadedFile(name, content, declared))

    stored = PurePath(account.rib_document.name)
    assert stored.suffix == suffix
    response = download(client, account)
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith(f'{suffix}"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_the_uploaded_name_never_reaches_the_storage(client: Client) -> None:
    account = change_bank_details(
        client, SimpleUploadedFile("../../evil name.hta", PDF_BYTES, "application/hta")
    )

    assert "evil" not in account.rib_document.name
    assert ".." not in account.rib_document.name


def test_the_wizard_stores_the_rib_under_the_type_of_its_bytes(client: Client) -> None:
    signing_partner(client)
    fill_until(client, "coordonnees")

    response = post_step(client, "banque", bank_data(rib_document=rib_upload(PDF_BYTES, "rib.hta")))

    assert response.status_code == 302
    account = BankAccount.objects.get()
    assert PurePath(account.rib_document.name).name.endswith("-rib.pdf")
    assert download(client, account)["Content-Type"] == "application/pdf"

"""Organisations as a switch-over import leaves them (docs/switch-over.md), made directly: the
pages that show them are tested apart from the import itself."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.files.base import ContentFile

from passplus.accounts.models import User
from passplus.organisations.models import (
    BankAccount,
    ImportedOrganisation,
    OrganisationImport,
    OrganisationImportStatus,
)
from tests.helpers import factories
from tests.helpers.affiliation import PDF_BYTES

SIGNED_ON = dt.date(2025, 9, 1)
VERSION = "2025-1"


def imported_organisation(
    *, importer: User, document: bool = True, **organisation: Any
) -> ImportedOrganisation:
    """An affiliated organisation imported by `importer` from line 7 of « organismes.csv »,
    with the convention signed in the previous system (its PDF when `document`)."""
    source = OrganisationImport.objects.create(
        original_name="organismes.csv",
        sha256="ab" * 32,
        status=OrganisationImportStatus.IMPORTED,
        created_by=importer,
        imported_by=importer,
    )
    imported = ImportedOrganisation.objects.create(
        organisation=factories.OrganisationFactory(**organisation),
        source=source,
        line=7,
        contact_name="Marie Durand",
        contact_email="tresorier@club.example.fr",
        convention_signed_on=SIGNED_ON,
        convention_version_label=VERSION,
    )
    if document:
        imported.convention_document.save("convention.pdf", ContentFile(PDF_BYTES), save=False)
        imported.convention_sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
        imported.save()
    return imported


def imported_bank_account(
    imported: ImportedOrganisation, *, importer: User, previously_validated: bool = True
) -> BankAccount:
    """The pending bank details the import entered (`entered_by` is the importer)."""
    account: BankAccount = factories.BankAccountFactory(
        organisation=imported.organisation,
        pending=True,
        entered_by=importer,
        previously_validated=previously_validated,
    )
    return account

"""The organisations app's models, one module each (kept short); Django imports this package.
Imported in the order the models were first defined."""

from passplus.organisations.models.organisation import (
    Activity,
    Organisation,
    OrganisationQuerySet,
)

# isort: split
from passplus.organisations.models.identification import IdentificationForm

# isort: split
from passplus.organisations.models.bank_accounts import (
    BankAccount,
    BankAccountQuerySet,
    rib_upload_path,
)

# isort: split
from passplus.organisations.models.imports import (
    ImportedOrganisation,
    ImportedOrganisationQuerySet,
    OrganisationImport,
    OrganisationImportMode,
    OrganisationImportStatus,
)

__all__ = [
    "Activity",
    "BankAccount",
    "BankAccountQuerySet",
    "IdentificationForm",
    "ImportedOrganisation",
    "ImportedOrganisationQuerySet",
    "Organisation",
    "OrganisationImport",
    "OrganisationImportMode",
    "OrganisationImportStatus",
    "OrganisationQuerySet",
    "rib_upload_path",
]

"""Creating or updating organisations from the checked lines of a switch-over file
(docs/switch-over.md), in one transaction, by batches.

- A line whose organisation (same SIRET, else RNA) was never imported creates it directly
  `affiliated` (Organisation.import_affiliated, audited `organisation.import` with the file's
  SHA-256 and line), with what the previous system knew: its convention (signed there, not
  sealed here), its eligibility declarations, its bank details (`pending`, entered by the
  importer, who can never validate them), one activity per domain, and the contact invited
  to claim the account (by a task queued in the same transaction).
- A line whose organisation was imported before updates only its public details, its
  contacts (the legal representative only while nobody has claimed the account) and its
  activities' domains, audited `organisation.import_update`; nothing differs: nothing is
  written. Its bank details are never changed: a different IBAN is listed in
  `bank_differences`, to be confirmed by the organisation through the usual bank-change flow.
- An organisation that joined through the platform (not imported) is never touched: the
  check reports it, and this refuses the whole file if such a line reaches it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, User
from passplus.audit.models import record_each
from passplus.core.enums import Domain
from passplus.core.errors import DomainError
from passplus.core.privacy import mask_iban
from passplus.organisations import search
from passplus.organisations.enums import BankAccountStatus
from passplus.organisations.models import (
    Activity,
    BankAccount,
    ImportedOrganisation,
    Organisation,
    OrganisationImport,
)
from passplus.territory.models import Commune

if TYPE_CHECKING:
    from django.db.models.fields.files import FieldFile

    from passplus.organisations.switch_over.documents import DocumentArchive
    from passplus.organisations.switch_over.lines import OrganisationLine

BATCH = 1000
# Rows looked up per query (below SQLite's oldest limit on query parameters).
LOOKUP_BATCH = 900
BANK_DIFFERENCE_MESSAGE = "coordonnées différentes : à faire confirmer par l'organisme"
# The activity created for each domain an imported organisation offers (the organisation
# details them once its account is claimed).
ACTIVITY_NAMES: dict[str, str] = {
    Domain.SPORT: "Activités sportives",
    Domain.CULTURE: "Activités culturelles",
}
# What a later file may change on an imported organisation.
PUBLIC_FIELDS = (
    "public_name",
    "public_phone",
    "public_email",
    "website",
    "description",
    "street",
    "postcode",
    "offers_sport",
    "offers_culture",
)
# Changed by a later file only while nobody has claimed the account: afterwards, through the
# département (the representative's mobile confirms bank-detail changes).
REPRESENTATIVE_FIELDS = (
    "representative_name",
    "representative_role",
    "representative_email",
    "representative_mobile",
)
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_mobile")


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # {"line", "organisation_id", "name", "message", "file_iban", "current_iban"} (IBANs masked)
    bank_differences: list[dict[str, Any]] = field(default_factory=list)
    # The imported organisations whose contact is to be invited to claim the account (the new
    # ones, and those whose contact changed before claiming).
    invited: list[int] = field(default_factory=list)


def batches[T](items: Sequence[T], size: int = LOOKUP_BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def apply_lines(
    lines: list[OrganisationLine],
    *,
    source: OrganisationImport | None,
    sha256: str,
    archive: DocumentArchive | None,
    actor: User,
) -> ApplyResult:
    """Import `lines` (already checked), all or nothing. Raises DomainError, having written
    nothing, for a line of an organisation that joined through the platform, or two lines of
    the same organisation. The claim invitations of the new organisations (and of those whose
    contact changed before claiming) are sent by a task queued in the same transaction."""
    _refuse_duplicates(lines)
    result = ApplyResult()
    with _stored_files() as stored, transaction.atomic():
        existing = _existing(lines)
        new_lines = [line for line in lines if line.line not in existing]
        created = _create(
            new_lines, source=source, sha256=sha256, archive=archive, actor=actor, stored=stored
        )
        result.created = len(created)
        _update(
            [(line, existing[line.line]) for line in lines if line.line in existing],
            sha256=sha256,
            actor=actor,
            result=result,
        )
        result.invited.extend(imported.pk for imported in created)
        if result.invited:
            # local import (cycle): passplus.organisations.tasks imports this module.
            from passplus.organisations.tasks import organisation_import_invite

            # Queued in this transaction (nothing is sent for an import rolled back); the links
            # and e-mails are made by the task, out of this transaction, which stays short.
            organisation_import_invite.enqueue(
                imported_ids=result.invited, actor_id=actor.pk if actor else None
            )
    if result.created or result.updated:
        search.forget_directory_activity_types()
    return result


def _refuse_duplicates(lines: list[OrganisationLine]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        for key in (("siret", line.siret), ("rna", line.rna)):
            if not key[1]:
                continue
            if key in seen:
                raise DomainError(
                    f"Ligne {line.line} : le même organisme figure déjà ligne {seen[key]} "
                    "(rien n'a été importé)."
                )
            seen[key] = line.line


@contextmanager
def _stored_files() -> Iterator[list[FieldFile]]:
    """The documents stored during the import: deleted again if it fails (a file is written
    before its row, and a rolled-back row must not leave its file behind)."""
    files: list[FieldFile] = []
    try:
        yield files
    except BaseException:
        for stored in files:
            if stored.name:
                stored.storage.delete(stored.name)
        raise


def _existing(lines: list[OrganisationLine]) -> dict[int, Organisation]:
    """The organisations already registered, by line number: the one with the line's SIRET,
    else its RNA. One not imported refuses the file."""
    sirets = sorted({line.siret for line in lines if line.siret})
    rnas = sorted({line.rna for line in lines if line.rna})
    by_siret: dict[str, Organisation] = {}
    by_rna: dict[str, Organisation] = {}
    queryset = Organisation.objects.select_related("imported")
    for values, name, found in ((sirets, "siret", by_siret), (rnas, "rna", by_rna)):
        for batch in batches(values):
            found.update(
                (getattr(organisation, name), organisation)
                for organisation in queryset.filter(Q(**{f"{name}__in": batch}))
            )
    existing: dict[int, Organisation] = {}
    for line in lines:
        organisation = by_siret.get(line.siret) if line.siret else None
        organisation = organisation or (by_rna.get(line.rna) if line.rna else None)
        if organisation is None:
            continue
        if not hasattr(organisation, "imported"):
            raise DomainError(
                f"Ligne {line.line} : « {organisation.legal_name} » est déjà partenaire sur la "
                "plateforme sans avoir été repris : rien n'a été importé."
            )
        existing[line.line] = organisation
    return existing


def _public_name(line: OrganisationLine) -> str:
    return line.public_name or line.acronym or line.legal_name


def _public_values(line: OrganisationLine) -> dict[str, Any]:
    return {
        "public_name": _public_name(line),
        "public_phone": line.public_phone,
        "public_email": line.public_email,
        "website": line.website,
        "description": line.description,
        "street": line.street,
        "postcode": line.postcode,
        "offers_sport": line.offers_sport,
        "offers_culture": line.offers_culture,
    }


def _representative_values(line: OrganisationLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in REPRESENTATIVE_FIELDS}


def _contact_values(line: OrganisationLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in CONTACT_FIELDS}


def _domains(line: OrganisationLine) -> list[str]:
    return [
        domain
        for domain, offered in (
            (Domain.SPORT, line.offers_sport),
            (Domain.CULTURE, line.offers_culture),
        )
        if offered
    ]


def _signed_moment(day: dt.date) -> dt.datetime:
    """The convention's signing day, as the moment the declarations were made (its start, in
    local time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _new_organisation(line: OrganisationLine, city: str) -> Organisation:
    """The organisation of a new line. The previous system's signed convention implies the
    two declarations (secularism, equal access) and, for a commercial organisation, that its
    eligibility was accepted there: dated the day the convention was signed."""
    signed = _signed_moment(line.convention_signed_on)
    organisation = Organisation(
        legal_name=line.legal_name,
        acronym=line.acronym,
        legal_form=line.legal_form,
        siret=line.siret,
        rna=line.rna,
        creation_date=line.creation_date,
        is_non_profit=line.is_non_profit,
        commune_id=line.commune_id,
        city=city,
        secularism_declared_at=signed,
        equal_access_declared_at=signed,
        **_public_values(line),
        **_representative_values(line),
    )
    if not line.is_non_profit:
        organisation.eligibility_justification = (
            "Éligibilité admise par le système précédent du département (convention signée "
            f"le {line.convention_signed_on:%d/%m/%Y})."
        )
        organisation.eligibility_reviewed_at = signed
    organisation.search_activities = search.normalise(
        *(ACTIVITY_NAMES[domain] for domain in _domains(line))
    )
    return organisation


def _create(
    lines: list[OrganisationLine],
    *,
    source: OrganisationImport | None,
    sha256: str,
    archive: DocumentArchive | None,
    actor: User,
    stored: list[FieldFile],
) -> list[ImportedOrganisation]:
    if not lines:
        return []
    cities = dict(
        Commune.objects.filter(pk__in={line.commune_id for line in lines}).values_list("pk", "name")
    )
    organisations = Organisation.import_affiliated(
        [
            (
                _new_organisation(line, cities.get(line.commune_id, "")),
                {"sha256": sha256, "line": line.line},
            )
            for line in lines
        ],
        actor=actor,
        batch_size=BATCH,
    )
    pairs = list(zip(lines, organisations, strict=True))
    Activity.objects.bulk_create(
        (
            Activity(organisation=organisation, name=ACTIVITY_NAMES[domain], domain=domain)
            for line, organisation in pairs
            for domain in _domains(line)
        ),
        batch_size=BATCH,
    )
    accounts = [
        _bank_account(line, organisation, actor, archive, stored) for line, organisation in pairs
    ]
    BankAccount.objects.bulk_create(accounts, batch_size=BATCH)
    record_each(
        actor=actor,
        action="bank_account.import",
        changes=(
            (
                account,
                {},
                {
                    "status": BankAccountStatus.PENDING.value,
                    "iban": account.masked_iban,
                    "previously_validated": account.previously_validated,
                    "sha256": sha256,
                    "line": line.line,
                },
            )
            for line, account in zip(lines, accounts, strict=True)
        ),
    )
    imported = [
        _imported(line, organisation, source, archive, stored) for line, organisation in pairs
    ]
    return ImportedOrganisation.objects.bulk_create(imported, batch_size=BATCH)


def _bank_account(
    line: OrganisationLine,
    organisation: Organisation,
    actor: User,
    archive: DocumentArchive | None,
    stored: list[FieldFile],
) -> BankAccount:
    """Pending: checked by the back office as usual, or, when the previous system had
    validated them, confirmed by a second staff person (never the importer, `entered_by`)."""
    account = BankAccount(
        organisation=organisation,
        status=BankAccountStatus.PENDING,
        holder=line.holder,
        iban=line.iban,
        bic=line.bic,
        entered_by=actor,
        previously_validated=line.bank_validated,
    )
    if line.rib_file and archive is not None:
        # The same storage rules as an uploaded RIB: the extension its bytes show.
        account.attach_rib(SimpleUploadedFile("rib", archive.read(line.rib_file)))
        stored.append(account.rib_document)
    return account


def _imported(
    line: OrganisationLine,
    organisation: Organisation,
    source: OrganisationImport | None,
    archive: DocumentArchive | None,
    stored: list[FieldFile],
) -> ImportedOrganisation:
    imported = ImportedOrganisation(
        organisation=organisation,
        source=source,
        line=line.line,
        convention_signed_on=line.convention_signed_on,
        convention_version_label=line.convention_version,
        **_contact_values(line),
    )
    if line.convention_file and archive is not None:
        data = archive.read(line.convention_file)
        imported.convention_sha256 = hashlib.sha256(data).hexdigest()
        imported.convention_document.save("convention.pdf", ContentFile(data), save=False)
        stored.append(imported.convention_document)
    return imported


def _update(
    pairs: list[tuple[OrganisationLine, Organisation]],
    *,
    sha256: str,
    actor: User,
    result: ApplyResult,
) -> None:
    """Update the imported organisations of `pairs` where the file differs, in bulk."""
    if not pairs:
        return
    ids = [organisation.pk for _, organisation in pairs]
    domains: set[tuple[int, str]] = set()
    latest_iban: dict[int, str] = {}
    claimed: set[int] = set()
    for batch in batches(ids):
        domains.update(
            Activity.objects.filter(organisation_id__in=batch).values_list(
                "organisation_id", "domain"
            )
        )
        for organisation_id, iban in (
            BankAccount.objects.filter(organisation_id__in=batch)
            .order_by("organisation_id", "-created_at", "-id")
            .values_list("organisation_id", "iban")
        ):
            latest_iban.setdefault(organisation_id, iban)
        claimed.update(
            User.objects.filter(organisation_id__in=batch).values_list("organisation_id", flat=True)
        )
    changed_organisations: dict[str, list[Organisation]] = {}
    changed_contacts: list[ImportedOrganisation] = []
    new_activities: list[Activity] = []
    audits: list[tuple[Organisation, dict[str, Any], dict[str, Any]]] = []
    reinvite: list[ImportedOrganisation] = []
    for line, organisation in pairs:
        imported = organisation.imported
        is_claimed = imported.claimed_at is not None or organisation.pk in claimed
        wanted = _public_values(line)
        if not is_claimed:
            wanted.update(_representative_values(line))
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name, value in wanted.items():
            if getattr(organisation, name) != value:
                before[name], after[name] = getattr(organisation, name), value
                setattr(organisation, name, value)
        for name in after:
            changed_organisations.setdefault(name, []).append(organisation)
        contact_before = {
            name: getattr(imported, name)
            for name, value in _contact_values(line).items()
            if getattr(imported, name) != value
        }
        if contact_before:
            for name in contact_before:
                setattr(imported, name, getattr(line, name))
                before[name], after[name] = contact_before[name], getattr(line, name)
            changed_contacts.append(imported)
            if "contact_email" in contact_before and not is_claimed:
                reinvite.append(imported)
        missing = [domain for domain in _domains(line) if (organisation.pk, domain) not in domains]
        if missing:
            new_activities.extend(
                Activity(organisation=organisation, name=ACTIVITY_NAMES[domain], domain=domain)
                for domain in missing
            )
            after["activities_added"] = [ACTIVITY_NAMES[domain] for domain in missing]
        if after:
            audits.append((organisation, before, {**after, "sha256": sha256, "line": line.line}))
            result.updated += 1
        else:
            result.unchanged += 1
        current = latest_iban.get(organisation.pk)
        if current != line.iban:
            result.bank_differences.append(
                {
                    "line": line.line,
                    "organisation_id": organisation.pk,
                    "name": organisation.display_name,
                    "message": BANK_DIFFERENCE_MESSAGE,
                    "file_iban": mask_iban(line.iban),
                    "current_iban": mask_iban(current) if current else "",
                }
            )
    fields = sorted(changed_organisations)
    touched = {
        organisation.pk: organisation
        for group in changed_organisations.values()
        for organisation in group
    }
    if touched:
        Organisation.objects.bulk_update(list(touched.values()), fields, batch_size=BATCH)
    if changed_contacts:
        ImportedOrganisation.objects.bulk_update(changed_contacts, list(CONTACT_FIELDS), BATCH)
    if new_activities:
        Activity.objects.bulk_create(new_activities, batch_size=BATCH)
    if touched or new_activities:
        search.rebuild_search_columns(
            Organisation,
            Activity,
            {*touched, *(activity.organisation_id for activity in new_activities)},
        )
    record_each(actor=actor, action="organisation.import_update", changes=audits)
    if reinvite:
        _revoke_claim_invitations(reinvite)
        result.invited.extend(imported.pk for imported in reinvite)


def _revoke_claim_invitations(imported: list[ImportedOrganisation]) -> None:
    """The contact changed before claiming: the links sent to the former address stop working,
    and the row awaits its first invitation again (to the new address, by the task)."""
    now = timezone.now()
    for batch in batches(imported):
        Invitation.objects.usable().filter(
            organisation_id__in=[row.organisation_id for row in batch],
            purpose=InvitationPurpose.CLAIM,
        ).update(revoked_at=now)
        ImportedOrganisation.objects.filter(pk__in=[row.pk for row in batch]).update(
            invitation=None, last_invited_at=None
        )

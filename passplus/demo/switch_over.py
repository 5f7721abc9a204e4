"""The switch-over part of the demo (docs/switch-over.md): three organisations imported from
the previous system through the real import (apply_lines), their bank details validated there
and waiting for a second person here; two claimed by their contact (demo logins), one still
unclaimed, whose fresh claim link `make run` prints (CLAIM <link>)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from passplus.accounts.models import Invitation, InvitationPurpose, User
from passplus.core.enums import Domain
from passplus.demo.data import demo_iban
from passplus.demo.organisations import demo_public_phone, demo_website
from passplus.organisations.enums import LegalForm
from passplus.organisations.models import ImportedOrganisation
from passplus.organisations.switch_over.applying import apply_lines
from passplus.organisations.switch_over.claims import (
    claim_invitations_send_new,
    claim_link,
    organisation_claim,
    unclaimed_organisations,
)
from passplus.organisations.switch_over.lines import OrganisationLine
from passplus.territory.models import Commune

# (name, domain, commune, contact's first and last name, claimed): the last one is unclaimed.
IMPORTED = [
    ("Escrime Club d'Antony", Domain.SPORT, "92002", ("Hélène", "Faure"), True),
    ("Chorale des Hauts de Bagneux", Domain.CULTURE, "92007", ("Paul", "Girard"), True),
    ("Tennis de table de Clamart", Domain.SPORT, "92023", ("Nadia", "Benali"), False),
]
# After the 30 organisations of the demo (their numbers, IBANs and phones stay distinct).
FIRST_INDEX = 30


def claimed_email(index: int, demo_domain: str) -> str:
    return f"reprise.{index + 1}@{demo_domain}"


def imported_lines(demo_domain: str) -> list[OrganisationLine]:
    lines = []
    for position, (name, domain, insee, (first, last), claimed) in enumerate(IMPORTED):
        index = FIRST_INDEX + position
        commune = Commune.objects.get(insee_code=insee)
        site = demo_website(name)
        host = site.removeprefix("https://").rstrip("/")
        phone = demo_public_phone(index).replace(" ", "")
        lines.append(
            OrganisationLine(
                line=position + 2,
                legal_name=name.upper(),
                acronym="",
                legal_form=LegalForm.ASSOCIATION,
                siret="",
                rna=f"W92{1000000 + index:07d}",
                creation_date=dt.date(1985 + position, 9, 1),
                is_non_profit=True,
                offers_sport=domain == Domain.SPORT,
                offers_culture=domain == Domain.CULTURE,
                street=f"{5 + position} avenue Aristide Briand",
                postcode=commune.postcodes[0],
                commune_id=commune.pk,
                public_name=name,
                public_phone="+33" + phone[1:],
                public_email=f"contact@{host}",
                website=site,
                description=(
                    f"Repris du système précédent du département. {name} accueille les "
                    "collégiens de 11 à 15 ans, débutants bienvenus."
                ),
                contact_name=f"{first} {last}",
                contact_email=(
                    claimed_email(position, demo_domain) if claimed else f"secretariat@{host}"
                ),
                contact_mobile=f"+3361235{index:04d}",
                representative_name=f"{first} {last}",
                representative_role="Président(e)",
                representative_email=f"president@{host}",
                representative_mobile=f"+3361234{index:04d}",
                iban=demo_iban(index),
                bic="PSSTFRPPPAR",
                holder=name.upper()[:70],
                bank_validated=True,
                convention_signed_on=dt.date(2024, 9, 2 + position),
                convention_version="2024-1",
                rib_file="",
                convention_file="",
            )
        )
    return lines


def imported_organisations_build(*, actor: User, demo_domain: str, password: str) -> None:
    """Import the three organisations as a département would (audited, their claim e-mails
    queued), then claim two of them as their contacts would (the demo password)."""
    lines = imported_lines(demo_domain)
    digest = hashlib.sha256("\n".join(line.legal_name for line in lines).encode()).hexdigest()
    apply_lines(lines, source=None, sha256=digest, archive=None, actor=actor)
    # The import's invitations, now rather than by the worker (its task then finds them sent).
    names = [line.legal_name for line in lines]
    waiting = list(
        ImportedOrganisation.objects.select_related("organisation")
        .filter(organisation__legal_name__in=names, invitation__isnull=True)
        .order_by("pk")
    )
    claim_invitations_send_new(waiting, actor=actor)
    for position, (*_, (first, last), claimed) in enumerate(IMPORTED):
        if not claimed:
            continue
        imported = ImportedOrganisation.objects.select_related("invitation").get(
            contact_email=claimed_email(position, demo_domain)
        )
        assert imported.invitation is not None  # queued by the import
        organisation_claim(
            invitation=imported.invitation, password=password, first_name=first, last_name=last
        )


def fresh_claim_link(demo_domain: str) -> tuple[str, str] | None:
    """A new claim link for the demo's unclaimed imported organisation (earlier links stop
    working), printed by `manage.py demo`; no e-mail is sent for it."""
    names = [line.legal_name for line in imported_lines(demo_domain)]
    imported = (
        unclaimed_organisations()
        .filter(organisation__legal_name__in=names)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    if imported is None:
        return None
    Invitation.objects.usable().filter(
        organisation=imported.organisation, purpose=InvitationPurpose.CLAIM
    ).update(revoked_at=timezone.now())
    invitation, token = Invitation.issue(
        purpose=InvitationPurpose.CLAIM,
        email=imported.contact_email,
        organisation=imported.organisation,
    )
    imported.invitation = invitation
    imported.last_invited_at = invitation.created_at
    imported.save(update_fields=["invitation", "last_invited_at"])
    return claim_link(token), imported.organisation.legal_name

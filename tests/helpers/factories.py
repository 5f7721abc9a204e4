"""factory_boy factories, one per model, with traits for lifecycle states."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from passplus.accounts.models import STAFF_ROLES, Role, User
from passplus.campaigns.models import SchoolYear
from passplus.conventions.models import Convention, ConventionStatus, ConventionVersion
from passplus.core.enums import Domain, WalletDomain
from passplus.organisations.enums import BankAccountStatus, LegalForm, OrganisationStatus
from passplus.organisations.models import Activity, BankAccount, Organisation
from passplus.payments.models import Payment, PaymentRun, PaymentRunStatus, PaymentStatus
from passplus.pupils.models import Family, Pupil, Wallet
from passplus.signatures.models import SignatureRequest, SignatureStatus
from passplus.territory.models import Commune, default_communes_ensure
from passplus.tickets.models import Redemption, RedemptionStatus, Ticket, TicketStatus
from passplus.tickets.numbers import generate_ticket_number

PASSWORD = "motdepasse-de-test"
# The stored SEPA file of a factory run that was downloaded or transmitted (not a real pain.001).
SEPA_STAND_IN = b'<?xml version="1.0" encoding="UTF-8"?>\n<Document>factory</Document>\n'


def commune(insee_code: str = "92050") -> Commune:
    """Communes are data loaded by a migration: reuse them rather than inventing new ones.

    A transactional test (`transaction=True`) ends with a flush that empties every table,
    migration data included: reload the same file then, as the migration does.
    """
    default_communes_ensure()
    return Commune.objects.get(insee_code=insee_code)


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ["label"]

    # Open on any day the suite runs: started 60 days ago, generation and entry still open
    # (a calendar-shaped year would make the tests fail every summer).
    label = "campagne-en-cours"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=364))
    generation_deadline = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=270))
    redemption_deadline = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=300))

    class Params:
        split = factory.Trait(
            split_domains=True,
            sport_standard_cents=4000,
            sport_scholarship_cents=5000,
            culture_standard_cents=4000,
            culture_scholarship_cents=5000,
        )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    legal_name = factory.Sequence(lambda n: f"Association sportive n°{n}")
    public_name = factory.LazyAttribute(lambda o: o.legal_name)
    legal_form = LegalForm.ASSOCIATION
    siret = ""
    rna = factory.Sequence(lambda n: f"W92{n:07d}")
    creation_date = dt.date(2010, 1, 15)
    offers_sport = True
    offers_culture = False
    commune = factory.LazyFunction(commune)
    status = OrganisationStatus.AFFILIATED
    representative_name = "Claire Martin"
    representative_mobile = "+33612345678"

    class Params:
        identified = factory.Trait(status=OrganisationStatus.IDENTIFIED)
        signing = factory.Trait(status=OrganisationStatus.SIGNING)
        suspended = factory.Trait(status=OrganisationStatus.SUSPENDED)
        terminated = factory.Trait(status=OrganisationStatus.TERMINATED)
        culture = factory.Trait(offers_sport=False, offers_culture=True)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Football"
    domain = Domain.SPORT
    activity_type = "football"
    min_age = 11
    max_age = 15


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankAccount

    organisation = factory.SubFactory(OrganisationFactory)
    holder = factory.LazyAttribute(lambda o: o.organisation.legal_name)
    iban = "FR7630006000011234567890189"
    bic = "AGRIFRPPXXX"
    status = BankAccountStatus.DRAFT

    class Params:
        pending = factory.Trait(status=BankAccountStatus.PENDING)
        validated = factory.Trait(status=BankAccountStatus.VALIDATED)
        rejected = factory.Trait(status=BankAccountStatus.REJECTED)
        replaced = factory.Trait(status=BankAccountStatus.REPLACED)
        invalid = factory.Trait(status=BankAccountStatus.INVALID)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.fr")
    first_name = "Camille"
    last_name = "Durand"
    role = Role.FAMILY
    # Staff accounts made by tests are activated (the second admin's step has its own tests).
    staff_activated_at = factory.LazyAttribute(
        lambda user: timezone.now() if user.role in STAFF_ROLES else None
    )
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def communes(self, create: bool, extracted: list[Commune] | None, **kwargs: object) -> None:
        if create and extracted:
            self.communes.set(extracted)
        if create:
            self.save()

    class Params:
        organisation_member = factory.Trait(
            role=Role.ORGANISATION, organisation=factory.SubFactory(OrganisationFactory)
        )
        correspondent = factory.Trait(role=Role.CORRESPONDENT)
        gestionnaire = factory.Trait(role=Role.GESTIONNAIRE)
        finance = factory.Trait(role=Role.FINANCE)
        admin = factory.Trait(role=Role.ADMIN, is_superuser=True)


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    user = factory.SubFactory(UserFactory, role=Role.FAMILY)
    parent_name = "Camille Durand"
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "famille@example.fr")


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    family = factory.SubFactory(FamilyFactory)
    first_name = factory.Sequence(lambda n: f"Léa{n}")
    last_name = "Durand"
    birth_date = dt.date(2013, 4, 12)
    college = "Collège Paul Éluard"
    school_class = "5e"


class WalletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wallet

    pupil = factory.SubFactory(PupilFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    domain = WalletDomain.ALL
    granted_cents = 8000


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    number = factory.LazyFunction(generate_ticket_number)
    wallet = factory.SubFactory(WalletFactory)
    amount_cents = 2000
    status = TicketStatus.AVAILABLE

    class Params:
        used = factory.Trait(status=TicketStatus.USED)
        void = factory.Trait(status=TicketStatus.VOID)
        expired = factory.Trait(status=TicketStatus.EXPIRED)


class PaymentRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentRun

    cut_off = factory.Sequence(
        lambda n: timezone.make_aware(dt.datetime(2020, 1, 1)) + dt.timedelta(days=15 * n)
    )
    status = PaymentRunStatus.DRAFT

    class Params:
        # Built by the scheduler, checked by one finance person (issue 16 §3).
        checked = factory.Trait(
            built_by=None,
            status=PaymentRunStatus.CHECKED,
            checked_by=factory.SubFactory(UserFactory, finance=True),
            checked_at=factory.LazyFunction(timezone.now),
        )
        # Built by one finance person, approved by another.
        approved = factory.Trait(
            built_by=factory.SubFactory(UserFactory, finance=True),
            status=PaymentRunStatus.APPROVED,
            approved_by=factory.SubFactory(UserFactory, finance=True),
            approved_at=factory.LazyFunction(timezone.now),
        )
        # Its SEPA file stored (a stand-in: no transfer is needed) with the hash of its bytes,
        # downloaded by a finance user other than the builder (issue 31).
        downloaded = factory.Trait(
            approved=True,
            sepa_file=factory.django.FileField(data=SEPA_STAND_IN, filename="sepa-test.xml"),
            sepa_sha256=hashlib.sha256(SEPA_STAND_IN).hexdigest(),
            sepa_downloaded_by=factory.SubFactory(UserFactory, finance=True),
            sepa_downloaded_at=factory.LazyFunction(timezone.now),
        )
        sent = factory.Trait(
            downloaded=True,
            status=PaymentRunStatus.SENT,
            sent_at=factory.LazyFunction(timezone.now),
            sent_sha256=hashlib.sha256(SEPA_STAND_IN).hexdigest(),
        )
        closed = factory.Trait(
            sent=True,
            status=PaymentRunStatus.CLOSED,
            closed_at=factory.LazyFunction(timezone.now),
        )


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    run = factory.SubFactory(PaymentRunFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    # The organisation's validated account (there is at most one), created if it has none.
    bank_account = factory.LazyAttribute(
        lambda o: (
            o.organisation.current_bank_account()
            or BankAccountFactory(organisation=o.organisation, validated=True)
        )
    )
    holder = factory.LazyAttribute(lambda o: o.bank_account.holder)
    iban = factory.LazyAttribute(lambda o: o.bank_account.iban)
    bic = factory.LazyAttribute(lambda o: o.bank_account.bic)
    amount_cents = 2000
    ticket_count = 1
    end_to_end_id = factory.Sequence(lambda n: f"PASSPLUS-TEST-{n:06d}")
    status = PaymentStatus.PENDING

    class Params:
        paid = factory.Trait(
            status=PaymentStatus.PAID, settled_at=factory.LazyFunction(timezone.now)
        )
        rejected = factory.Trait(
            status=PaymentStatus.REJECTED,
            settled_at=factory.LazyFunction(timezone.now),
            rejection_reason="Compte clos",
        )


class RedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Redemption

    ticket = factory.SubFactory(TicketFactory, used=True)
    organisation = factory.SubFactory(OrganisationFactory)
    amount_cents = factory.LazyAttribute(lambda o: o.ticket.amount_cents)
    status = RedemptionStatus.ENTERED

    class Params:
        # A cancelled redemption released its ticket.
        cancelled = factory.Trait(
            status=RedemptionStatus.CANCELLED, ticket=factory.SubFactory(TicketFactory)
        )
        in_payment = factory.Trait(
            status=RedemptionStatus.IN_PAYMENT,
            payment=factory.SubFactory(
                PaymentFactory, organisation=factory.SelfAttribute("..organisation")
            ),
        )
        reimbursed = factory.Trait(
            status=RedemptionStatus.REIMBURSED,
            payment=factory.SubFactory(
                PaymentFactory, organisation=factory.SelfAttribute("..organisation")
            ),
        )
        rejected = factory.Trait(
            status=RedemptionStatus.REJECTED,
            payment=factory.SubFactory(
                PaymentFactory, organisation=factory.SelfAttribute("..organisation")
            ),
        )


class ConventionVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConventionVersion
        django_get_or_create = ["label"]

    label = "2026-1"
    title = "Convention de partenariat Pass+"
    body = "Conditions générales."
    rules = "Règlement du dispositif."
    published_on = dt.date(2026, 6, 1)
    is_current = True


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    organisation = factory.SubFactory(OrganisationFactory, signing=True)
    version = factory.SubFactory(ConventionVersionFactory)

    class Params:
        accepted = factory.Trait(
            rules_accepted_at=factory.LazyFunction(timezone.now),
            terms_accepted_at=factory.LazyFunction(timezone.now),
        )
        signed = factory.Trait(
            accepted=True,
            status=ConventionStatus.SIGNED,
            signed_at=factory.LazyFunction(timezone.now),
        )
        cancelled = factory.Trait(status=ConventionStatus.CANCELLED)


class SignatureRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignatureRequest

    purpose = "convention"
    convention = factory.SubFactory(ConventionFactory, accepted=True)
    organisation = factory.SelfAttribute("convention.organisation")
    signer_name = "Claire Martin"
    phone = "+33612345678"
    status = SignatureStatus.PENDING

    class Params:
        signed = factory.Trait(
            status=SignatureStatus.SIGNED, signed_at=factory.LazyFunction(timezone.now)
        )
        expired = factory.Trait(status=SignatureStatus.EXPIRED)
        failed = factory.Trait(status=SignatureStatus.FAILED)

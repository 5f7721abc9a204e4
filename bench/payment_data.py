"""The data of the PostgreSQL benchmarks (bench_payment_run.py, bench_mark_paid.py,
bench_export_csv.py):
organisations with validated bank details, wallets, and entered redemptions built in SQL; and
the timing of an action inside a transaction that is rolled back.

Import it after `bootstrap.start(...)`: it imports Django models.
"""

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from passplus.campaigns.models import SchoolYear
from passplus.organisations.enums import BankAccountStatus, LegalForm, OrganisationStatus
from passplus.organisations.models import BankAccount, Organisation
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet
from passplus.territory.models import Commune

WALLETS = 10_000
CUT_OFF = timezone.make_aware(dt.datetime(2026, 11, 16))
IBAN = "FR7630006000011234567890189"


def wallets_with_used_tickets(tickets: int, wallets: int = WALLETS) -> None:
    """A school year, `wallets` families with one pupil and one wallet each (ORM), and `tickets`
    used tickets spread over the wallets (SQL): what redemptions are made of."""
    today = dt.date(2026, 9, 1)
    year = SchoolYear.objects.create(
        label="bench",
        starts_on=today,
        ends_on=today + dt.timedelta(days=360),
        generation_deadline=today + dt.timedelta(days=250),
        redemption_deadline=today + dt.timedelta(days=300),
    )
    families = Family.objects.bulk_create(
        Family(parent_name=f"Famille {index}", email=f"famille{index}@bench.fr")
        for index in range(wallets)
    )
    pupils = Pupil.objects.bulk_create(
        Pupil(
            family=family,
            first_name="Léa",
            last_name=f"Bench {index}",
            birth_date=dt.date(2013, 4, 12),
            college="Collège",
            school_class=SchoolClass.SIXIEME,
        )
        for index, family in enumerate(families)
    )
    Wallet.objects.bulk_create(
        Wallet(pupil=pupil, school_year=year, granted_cents=100_000) for pupil in pupils
    )
    first_wallet = Wallet.objects.order_by("pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (number, wallet_id, amount_cents, status, created_at,
                                        status_changed_at, status_reason)
            SELECT lpad(i::text, 12, '0'), %s + (i %% %s), 500 + (i %% 16) * 500, 'used', now(),
                   now(), ''
            FROM generate_series(1, %s) AS i
            """,
            [first_wallet, wallets, tickets],
        )


def affiliated_organisation(name: str) -> Organisation:
    return Organisation(
        status=OrganisationStatus.AFFILIATED,
        legal_name=name,
        legal_form=LegalForm.ASSOCIATION,
        creation_date=dt.date(2000, 1, 1),
        offers_sport=True,
        commune=Commune.objects.first(),
    )


def build_data(organisations_count: int, redemptions_count: int) -> None:
    """Organisations with validated accounts, and one entered redemption per used ticket,
    spread over the organisations and the fortnight before CUT_OFF."""
    organisations = Organisation.objects.bulk_create(
        affiliated_organisation(f"CLUB {index}") for index in range(organisations_count)
    )
    BankAccount.objects.bulk_create(
        BankAccount(
            organisation=organisation,
            status=BankAccountStatus.VALIDATED,
            holder=organisation.legal_name,
            iban=IBAN,
            bic="BNPAFRPPXXX",
            reviewed_at=CUT_OFF - dt.timedelta(days=200),
        )
        for organisation in organisations
    )
    wallets_with_used_tickets(redemptions_count)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_redemption (ticket_id, organisation_id, amount_cents, status,
                                            entered_at, status_reason)
            SELECT t.id, %s + (t.id %% %s), t.amount_cents, 'entered',
                   %s - make_interval(mins => (t.id %% 20000)::int), ''
            FROM tickets_ticket t
            """,
            [organisations[0].pk, organisations_count, CUT_OFF],
        )
    vacuum()


def vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


class Rollback(Exception):
    pass


def timed_and_rolled_back(action: object) -> float:
    started = 0.0
    elapsed = 0.0
    try:
        with transaction.atomic():
            started = time.perf_counter()
            action()  # type: ignore[operator]
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    vacuum()
    return elapsed

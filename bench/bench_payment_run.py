"""Building a payment run over 1,000,000 entered redemptions of 3,000 organisations (PostgreSQL).

Measured: `payment_run_build` (sum per organisation, payments bulk-inserted, redemptions moved,
conservation check, audit) then the run's SEPA file (`sepa_file`: sepaxml, XSD validation),
and the peak memory of this process (goal: at most 300 MB).
Baseline, in the same run on the same data: the bare SQL a DBA would write — one
INSERT … SELECT … GROUP BY for the payments and one UPDATE … FROM for the redemptions.
Goal: at most x 2 the baseline. Each side runs in a transaction that is rolled back (then
VACUUM), twice, alternately; the best of each is kept.
"""

import datetime as dt
import os
import resource
import secrets
import time

from bootstrap import start

start(postgres="passplus_bench_run", SECRET_KEY=secrets.token_urlsafe(40))

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from passplus.campaigns.models import SchoolYear  # noqa: E402
from passplus.organisations.enums import BankAccountStatus, LegalForm, OrganisationStatus  # noqa: E402
from passplus.organisations.models import BankAccount, Organisation  # noqa: E402
from passplus.payments.build import payment_run_build  # noqa: E402
from passplus.payments.models import PaymentRun, PaymentRunStatus  # noqa: E402
from passplus.payments.sepa import sepa_file  # noqa: E402
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet  # noqa: E402
from passplus.territory.models import Commune  # noqa: E402

ORGANISATIONS = int(os.environ.get("BENCH_ORGANISATIONS", "3000"))
REDEMPTIONS = int(os.environ.get("BENCH_REDEMPTIONS", "1000000"))
WALLETS = 10_000
CUT_OFF = timezone.make_aware(dt.datetime(2026, 11, 16))
IBAN = "FR7630006000011234567890189"


def build_data() -> None:
    """Organisations, accounts and wallets through the ORM; tickets and redemptions in SQL."""
    today = dt.date(2026, 9, 1)
    year = SchoolYear.objects.create(
        label="bench",
        starts_on=today,
        ends_on=today + dt.timedelta(days=360),
        generation_deadline=today + dt.timedelta(days=250),
        redemption_deadline=today + dt.timedelta(days=300),
    )
    commune = Commune.objects.first()
    organisations = Organisation.objects.bulk_create(
        Organisation(
            status=OrganisationStatus.AFFILIATED,
            legal_name=f"CLUB {index}",
            legal_form=LegalForm.ASSOCIATION,
            creation_date=dt.date(2000, 1, 1),
            offers_sport=True,
            commune=commune,
        )
        for index in range(ORGANISATIONS)
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
    families = Family.objects.bulk_create(
        Family(parent_name=f"Famille {index}", email=f"famille{index}@bench.fr")
        for index in range(WALLETS)
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
    first_organisation = organisations[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (number, wallet_id, amount_cents, status, created_at,
                                        status_changed_at, status_reason)
            SELECT lpad(i::text, 12, '0'), %s + (i %% %s), 500 + (i %% 16) * 500, 'used', now(),
                   now(), ''
            FROM generate_series(1, %s) AS i
            """,
            [first_wallet, WALLETS, REDEMPTIONS],
        )
        cursor.execute(
            """
            INSERT INTO tickets_redemption (ticket_id, organisation_id, amount_cents, status,
                                            entered_at, status_reason)
            SELECT t.id, %s + (t.id %% %s), t.amount_cents, 'entered',
                   %s - make_interval(mins => (t.id %% 20000)::int), ''
            FROM tickets_ticket t
            """,
            [first_organisation, ORGANISATIONS, CUT_OFF],
        )
    vacuum()


def vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


BASELINE_SQL = [
    """
    INSERT INTO payments_payment (run_id, organisation_id, bank_account_id, holder, iban, bic,
                                  amount_cents, ticket_count, end_to_end_id, status,
                                  rejection_reason)
    SELECT %(run)s, r.organisation_id, b.id, b.holder, b.iban, b.bic, SUM(r.amount_cents),
           COUNT(*), 'BASE-' || r.organisation_id, 'pending', ''
    FROM tickets_redemption r
    JOIN organisations_bankaccount b ON b.organisation_id = r.organisation_id
                                     AND b.status = 'validated'
    WHERE r.status = 'entered' AND r.entered_at < %(cut_off)s
    GROUP BY r.organisation_id, b.id, b.holder, b.iban, b.bic
    """,
    """
    UPDATE tickets_redemption r SET status = 'in_payment', payment_id = p.id,
                                    status_changed_at = now()
    FROM payments_payment p
    WHERE p.run_id = %(run)s AND p.organisation_id = r.organisation_id
      AND r.status = 'entered' AND r.entered_at < %(cut_off)s
    """,
]


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


def baseline() -> None:
    run = PaymentRun.objects.create(cut_off=CUT_OFF + dt.timedelta(days=1))
    with connection.cursor() as cursor:
        for statement in BASELINE_SQL:
            cursor.execute(statement, {"run": run.pk, "cut_off": CUT_OFF})


SEPA_SECONDS: list[float] = []


def ours() -> None:
    """The run, then its SEPA file (approval set directly: a second finance user's click)."""
    run = payment_run_build(cut_off=CUT_OFF)
    assert run.payments.count() == ORGANISATIONS
    PaymentRun.objects.filter(pk=run.pk).update(status=PaymentRunStatus.APPROVED)
    run.refresh_from_db()
    started = time.perf_counter()
    produced = sepa_file(run)  # built with sepaxml, validated against the XSD
    SEPA_SECONDS.append(time.perf_counter() - started)
    assert produced.xml.count(b"<CdtTrfTxInf>") == ORGANISATIONS


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build_data()
    print(
        f"PostgreSQL, {REDEMPTIONS:,} entered redemptions of {ORGANISATIONS:,} organisations "
        f"(data built in {time.perf_counter() - started:.0f} s)"
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base_times, our_times = [], []
    for _ in range(2):
        base_times.append(timed_and_rolled_back(baseline))
        our_times.append(timed_and_rolled_back(ours))
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base, our = min(base_times), min(our_times)
    print(f"  baseline: bare SQL (INSERT, UPDATE)               {base:7.2f} s   x 1.00")
    print(f"  payment_run_build + SEPA file                     {our:7.2f} s   x {our / base:.2f}")
    sepa = min(SEPA_SECONDS)
    print(f"    of which the SEPA file of {ORGANISATIONS:,} transfers, XSD-validated: {sepa:.2f} s")
    print(
        f"  peak memory of this process: {rss_peak:.0f} MB "
        f"({rss_before:.0f} MB before the builds); goals: at most x 2 and 300 MB"
    )


if __name__ == "__main__":
    main()

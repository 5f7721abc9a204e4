"""Ticket entry: cost of `redemption_enter` (passplus.tickets.services) for N tickets.

Each entry is one transaction: ticket row locked, rules checked, redemption inserted, ticket
moved to "used" (with its audit event), the entry's own audit event, ticket re-read.
Baseline, measured in the same run on the same database: N plain `AuditEvent.objects.create`
inserts (one autocommitted INSERT each). The ratio says how many bare inserts one entry costs:
"x 6": an entry takes as long as six single-row inserts. Read the ratio, not the absolute
time (it depends on the disk and the machine): a jump between two commits is the signal.
The database is a throwaway SQLite file (WAL, as configured in settings).
"""

import datetime as dt
import time

from bootstrap import start

start()

from django.core.management import call_command  # noqa: E402

from passplus.accounts.models import Role, User  # noqa: E402
from passplus.audit.models import AuditEvent  # noqa: E402
from passplus.campaigns.models import SchoolYear  # noqa: E402
from passplus.organisations.enums import LegalForm, OrganisationStatus  # noqa: E402
from passplus.organisations.models import Organisation  # noqa: E402
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet  # noqa: E402
from passplus.territory.models import Commune  # noqa: E402
from passplus.tickets.models import Redemption, Ticket, TicketStatus  # noqa: E402
from passplus.tickets.numbers import generate_ticket_number  # noqa: E402
from passplus.tickets.services import redemption_enter  # noqa: E402

N = 500
ROUNDS = 5
AMOUNT_CENTS = 1000
TODAY = dt.date(2026, 10, 1)


def build() -> tuple[list[Ticket], Organisation, User]:
    """One affiliated organisation, one pupil whose wallet holds N available tickets."""
    year = SchoolYear.objects.create(
        label="2026-2027",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2027, 8, 31),
        generation_deadline=dt.date(2027, 5, 31),
        redemption_deadline=dt.date(2027, 6, 30),
    )
    organisation = Organisation.objects.create(
        status=OrganisationStatus.AFFILIATED,
        legal_name="CLUB DE BENCH",
        legal_form=LegalForm.ASSOCIATION,
        creation_date=dt.date(2000, 1, 1),
        offers_sport=True,
        commune=Commune.objects.first(),
    )
    member = User.objects.create(
        email="bench@club.example.fr", role=Role.ORGANISATION, organisation=organisation
    )
    family = Family.objects.create(parent_name="Parent Bench", email="parent@example.fr")
    pupil = Pupil.objects.create(
        family=family,
        first_name="Léa",
        last_name="Bench",
        birth_date=dt.date(2013, 5, 1),
        college="Collège Bench",
        school_class=SchoolClass.SIXIEME,
    )
    wallet = Wallet.objects.create(pupil=pupil, school_year=year, granted_cents=N * AMOUNT_CENTS)
    tickets = Ticket.objects.bulk_create(
        Ticket(number=generate_ticket_number(), wallet=wallet, amount_cents=AMOUNT_CENTS)
        for _ in range(N)
    )
    return tickets, organisation, member


def main() -> None:
    call_command("migrate", verbosity=0)
    tickets, organisation, member = build()

    # Baseline and entries take turns (ROUNDS rounds): a busy moment weighs on both alike.
    baseline = entries = 0.0
    size = N // ROUNDS
    for first in range(0, N, size):
        start = time.perf_counter()
        for number in range(first, first + size):
            AuditEvent.objects.create(
                actor=member,
                actor_label=member.email,
                action="bench.insert",
                object_type="tickets.ticket",
                object_id=str(number),
                after={"status": "used"},
            )
        baseline += time.perf_counter() - start
        start = time.perf_counter()
        for ticket in tickets[first : first + size]:
            redemption_enter(ticket=ticket, organisation=organisation, actor=member, today=TODAY)
        entries += time.perf_counter() - start

    assert Redemption.objects.count() == N
    assert not Ticket.objects.exclude(status=TicketStatus.USED).exists()
    print(f"N = {N} tickets, throwaway SQLite database, {ROUNDS} alternating rounds")
    for label, seconds in [
        ("baseline: AuditEvent.objects.create", baseline),
        ("redemption_enter", entries),
    ]:
        print(f"  {label:36} {seconds / N * 1e3:7.3f} ms each   x {seconds / baseline:.2f}")


if __name__ == "__main__":
    main()

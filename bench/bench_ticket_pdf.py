"""Printable tickets: `render_ticket_pdf` (passplus.tickets.documents) for N tickets.

Each render draws one A4 page with reportlab's canvas and embeds the ticket's QR code (segno
PNG, read through reportlab's ImageReader). The ticket is loaded with its wallet, pupil and
school year once (a list page does the same with select_related): what is measured is the PDF.
Baseline, measured in the same run: rendering a one-page reportlab PDF with one paragraph
(SimpleDocTemplate). The ratio says how many such trivial PDFs one ticket costs; the tickets
per second are printed too (goal: at least 50 per second on a developer's machine).
The database is a throwaway SQLite file (WAL, as configured in settings).
"""

import datetime as dt
import time
from io import BytesIO

from bootstrap import start

start()

from django.core.management import call_command  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: E402

from passplus.campaigns.models import SchoolYear  # noqa: E402
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet  # noqa: E402
from passplus.tickets.documents import render_ticket_pdf  # noqa: E402
from passplus.tickets.models import Ticket  # noqa: E402
from passplus.tickets.numbers import generate_ticket_number  # noqa: E402

N = 300
ROUNDS = 5
AMOUNT_CENTS = 1000
PARAGRAPH = (
    "Ticket activité sport et culture : saisissez ce numéro et la date de naissance de "
    "l'enfant dans votre espace affilié."
)


def build() -> list[Ticket]:
    """One pupil whose wallet holds N available tickets, each with its own number."""
    year = SchoolYear.objects.create(
        label="2026-2027",
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2027, 8, 31),
        generation_deadline=dt.date(2027, 5, 31),
        redemption_deadline=dt.date(2027, 6, 30),
    )
    family = Family.objects.create(parent_name="Parent Bench", email="parent@example.fr")
    pupil = Pupil.objects.create(
        family=family,
        first_name="Léa",
        last_name="Martin-Dubois",
        birth_date=dt.date(2013, 5, 1),
        college="Collège Évariste Galois",
        school_class=SchoolClass.CINQUIEME,
    )
    wallet = Wallet.objects.create(pupil=pupil, school_year=year, granted_cents=N * AMOUNT_CENTS)
    Ticket.objects.bulk_create(
        Ticket(number=generate_ticket_number(), wallet=wallet, amount_cents=AMOUNT_CENTS)
        for _ in range(N)
    )
    return list(Ticket.objects.select_related("wallet__pupil", "wallet__school_year"))


def trivial_pdf() -> bytes:
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(
        [Paragraph(PARAGRAPH, getSampleStyleSheet()["Normal"])]
    )
    return buffer.getvalue()


def main() -> None:
    call_command("migrate", verbosity=0)
    tickets = build()
    render_ticket_pdf(tickets[0])  # warm-up: fonts and images modules loaded once
    trivial_pdf()

    # Baseline and tickets take turns (ROUNDS rounds): a busy moment weighs on both alike.
    baseline = rendering = 0.0
    size, total_bytes = N // ROUNDS, 0
    for first in range(0, N, size):
        start = time.perf_counter()
        for _ in range(size):
            trivial_pdf()
        baseline += time.perf_counter() - start
        start = time.perf_counter()
        for ticket in tickets[first : first + size]:
            total_bytes += len(render_ticket_pdf(ticket))
        rendering += time.perf_counter() - start

    print(f"N = {N} tickets, throwaway SQLite database, {ROUNDS} alternating rounds")
    for label, seconds in [
        ("baseline: one-paragraph reportlab PDF", baseline),
        ("render_ticket_pdf", rendering),
    ]:
        print(
            f"  {label:38} {seconds / N * 1e3:7.3f} ms each  {N / seconds:7.0f} /s"
            f"   x {seconds / baseline:.2f}"
        )
    print(f"  ticket PDF size: {total_bytes / N / 1024:.1f} KiB on average (goal: >= 50 tickets/s)")


if __name__ == "__main__":
    main()

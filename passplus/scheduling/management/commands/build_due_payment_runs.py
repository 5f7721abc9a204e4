"""Build the payment run of every past cut-off that has none (run it daily from cron).

Dry run by default: prints what it would build. `--wet-run` builds. Idempotent: a cut-off that
already has a run is skipped, and building the same cut-off twice changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Sum
from django.utils import timezone

from passplus.core.french import counted
from passplus.core.money import format_cents
from passplus.payments.build import due_cut_offs, payment_run_build
from passplus.tickets.models import Redemption
from passplus.workers.heartbeat import Heartbeat


class Command(BaseCommand):
    help = (
        "Construit les campagnes de remboursement des dates de coupure passées "
        "(simulation par défaut)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wet-run", action="store_true", help="Construire vraiment (sinon : simulation)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wet = options["wet_run"]
        due = due_cut_offs(timezone.now())
        if not due:
            self.stdout.write("Aucune campagne de remboursement à construire.")
            return
        # A heartbeat while it builds: recovery tells this live build from a dead one.
        with Heartbeat() if wet else contextlib.nullcontext():
            self._build(due, wet=wet)

    def _build(self, due: list[dt.datetime], *, wet: bool) -> None:
        for cut_off in due:
            label = f"{timezone.localtime(cut_off):%d/%m/%Y}"
            if wet:
                run = payment_run_build(cut_off=cut_off)
                totals = run.payments.aggregate(
                    amount=Sum("amount_cents"), tickets=Sum("ticket_count")
                )
                transfers = counted(run.payments.count(), "virement")
                tickets = counted(totals["tickets"] or 0, "ticket")
                self.stdout.write(
                    f"Campagne du {label} construite : {transfers}, {tickets}, "
                    f"{format_cents(totals['amount'] or 0)}."
                )
            else:
                waiting = Redemption.objects.payable().filter(entered_at__lt=cut_off)
                amount = waiting.aggregate(amount=Sum("amount_cents"))["amount"] or 0
                entries = counted(waiting.count(), "saisie")
                self.stdout.write(
                    f"[simulation] Campagne du {label} : jusqu'à {entries}, "
                    f"{format_cents(amount)}. Relancez avec --wet-run pour la construire."
                )

"""Retention (RGPD): `manage.py anonymise_closed_school_years [--wet-run] [--retention-days N]`.

Does nothing without `--wet-run`: it prints what it would anonymise, year by year. Meant for a
monthly cron line; idempotent (a second run finds nothing left to do)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from passplus.pupils.retention import (
    RetentionError,
    RetentionReport,
    YearReport,
    anonymise_closed_school_years,
    check_retention_days,
)

# (field of YearReport, French label)
LINES = [
    ("pupils", "collégiens"),
    ("families", "familles"),
    ("accounts", "comptes famille désactivés"),
    ("import_files", "fichiers d'import supprimés"),
    ("audit_events", "événements du journal nettoyés"),
    ("sessions", "sessions fermées"),
    ("login_records", "traces de connexion supprimées"),
    ("queued_tasks", "e-mails en file supprimés"),
]


class Command(BaseCommand):
    help = (
        "Anonymise les collégiens et familles des années scolaires closes depuis plus que la "
        "durée de conservation (simulation sans --wet-run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wet-run",
            action="store_true",
            help="Anonymiser réellement (sans cette option : simulation, rien n'est modifié).",
        )
        parser.add_argument(
            "--retention-days",
            metavar="JOURS",
            help="Durée de conservation après la date limite de saisie, en jours "
            "(par défaut : PASSPLUS_RETENTION_DAYS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            days = options["retention_days"]
            report = anonymise_closed_school_years(
                wet_run=options["wet_run"],
                retention_days=None if days is None else check_retention_days(days),
            )
        except RetentionError as error:
            raise CommandError(str(error)) from error
        self._print(report)

    def _print(self, report: RetentionReport) -> None:
        write = self.stdout.write
        if report.wet_run:
            write("Anonymisation effectuée.")
        else:
            write("Simulation : rien n'est modifié (ajoutez --wet-run pour anonymiser).")
        write(
            f"Durée de conservation : {report.retention_days} jours après la date limite de "
            f"saisie ; années scolaires concernées : date limite de saisie antérieure au "
            f"{report.closed_before:%d/%m/%Y}."
        )
        if not report.years:
            write("Aucune année scolaire concernée : rien à anonymiser.")
            return
        verb = "anonymisés" if report.wet_run else "à anonymiser"
        for year in report.years:
            self._print_year(year, verb)
        write(
            f"Total {verb} : {report.total('pupils')} collégiens, "
            f"{report.total('families')} familles."
        )

    def _print_year(self, year: YearReport, verb: str) -> None:
        self.stdout.write(
            f"Année scolaire {year.school_year} "
            f"(saisie close le {year.redemption_deadline:%d/%m/%Y}) :"
        )
        if not year.changed:
            self.stdout.write("  rien à anonymiser.")
        else:
            for name, label in LINES:
                value = year.counts[name]
                if value or name in ("pupils", "families"):
                    suffix = f" {verb}" if name in ("pupils", "families") else ""
                    self.stdout.write(f"  {label}{suffix} : {value}")
        if year.kept_pupils:
            self.stdout.write(
                f"  collégiens conservés (crédit sur une année scolaire plus récente) : "
                f"{year.kept_pupils}"
            )

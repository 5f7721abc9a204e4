"""`manage.py analyze_database`: refresh the query planner's statistics now (the scheduler also
does it daily; see passplus/core/db_statistics.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from passplus.core.db_statistics import planner_statistics_refresh


class Command(BaseCommand):
    help = "Met à jour les statistiques de la base de données pour l'optimiseur de requêtes."

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = planner_statistics_refresh()
        self.stdout.write(f"Statistiques à jour ({connection.vendor}) en {seconds:.1f} s.")

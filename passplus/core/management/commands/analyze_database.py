"""Refresh the query planner's statistics (run it daily, and after a large import).

SQLite keeps no statistics until `ANALYZE` runs: without them its planner guesses which index
to use, and may pick a poor one (the directory's indexes were ordered around that). PostgreSQL's
autovacuum analyses tables by itself; running it there too is harmless and cheap (sampled).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Met à jour les statistiques de la base de données pour l'optimiseur de requêtes."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA optimize")
        self.stdout.write(
            f"Statistiques à jour ({connection.vendor}) en {time.perf_counter() - started:.1f} s."
        )

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from passplus.territory.models import DEFAULT_COMMUNES_FILE, Commune, read_communes_file


class Command(BaseCommand):
    help = "Load or update the territory's communes from a CSV file (insee_code;name;postcodes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_COMMUNES_FILE))

    @transaction.atomic
    def handle(self, *args: Any, path: str, **options: Any) -> None:
        rows = read_communes_file(Path(path))
        for row in rows:
            Commune.objects.update_or_create(insee_code=row["insee_code"], defaults=row)
        self.stdout.write(f"{len(rows)} communes chargées depuis {path}")

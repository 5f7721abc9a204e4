from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from passplus.territory.models import DEFAULT_COMMUNES_FILE, communes_load


class Command(BaseCommand):
    help = "Load or update the territory's communes from a CSV file (insee_code;name;postcodes)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_COMMUNES_FILE))

    @transaction.atomic
    def handle(self, *args: Any, path: str, **options: Any) -> None:
        count = communes_load(Path(path))
        self.stdout.write(f"{count} communes chargées depuis {path}")

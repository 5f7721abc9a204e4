from __future__ import annotations

import csv
from pathlib import Path

from django.db import models

DEFAULT_COMMUNES_FILE = Path(__file__).parent / "data" / "communes-92.csv"


class Commune(models.Model):
    """A commune of the territory. Data, not code: see `manage.py load_communes`."""

    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=120)
    postcodes = models.JSONField("codes postaux", default=list)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def postcodes_display(self) -> str:
        return ", ".join(self.postcodes)


def read_communes_file(path: Path) -> list[dict[str, object]]:
    """Read a `insee_code;name;postcodes` CSV (postcodes comma-separated)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {
                "insee_code": row["insee_code"].strip(),
                "name": row["name"].strip(),
                "postcodes": [code.strip() for code in row["postcodes"].split(",") if code.strip()],
            }
            for row in csv.DictReader(handle, delimiter=";")
        ]

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from passplus.core.shared_cache import cached, forget

DEFAULT_COMMUNES_FILE = Path(__file__).parent / "data" / "communes-92.csv"
CHOICES_CACHE_KEY = "territory:commune-choices"
CHOICES_CACHE_SECONDS = 300


def commune_choices() -> list[tuple[str, str]]:
    """(INSEE code, name) of every commune, by name: the public directory's form lists them on
    every search. Cached (read from the database when the cache does not answer); forgotten
    when a commune is saved or deleted."""
    return cached(
        CHOICES_CACHE_KEY,
        lambda: list(Commune.objects.order_by("name").values_list("insee_code", "name")),
        CHOICES_CACHE_SECONDS,
    )


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


@receiver([post_save, post_delete], sender=Commune, dispatch_uid="commune_choices")
def _commune_changed(sender: type[Commune], **kwargs: Any) -> None:
    forget(CHOICES_CACHE_KEY)


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


def communes_load(path: Path = DEFAULT_COMMUNES_FILE) -> int:
    """Create or update the communes of a `insee_code;name;postcodes` file; how many it held."""
    rows = read_communes_file(path)
    for row in rows:
        Commune.objects.update_or_create(insee_code=str(row["insee_code"]), defaults=row)
    return len(rows)


def default_communes_ensure() -> None:
    """Load the default communes (what migration territory 0002 loads) when there are none: a
    test database flushed by a transactional test has lost them, and the demo needs them."""
    if not Commune.objects.exists():
        communes_load()

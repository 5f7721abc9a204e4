"""`manage.py accessibility_rate`: the RGAA conformity rate computed from the grid of the
sample (passplus/www/public/accessibility_grid.toml), and the criteria that fail it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from passplus.www.public.accessibility_audit import current_grid


class Command(BaseCommand):
    help = "Taux de conformité RGAA 4.1 calculé depuis la grille de l'échantillon."

    def handle(self, *args: Any, **options: Any) -> None:
        grid = current_grid()
        self.stdout.write(
            f"Taux de conformité : {grid.rate_label} ({len(grid.conforming)} critères conformes "
            f"sur {len(grid.applicable)} applicables) — {grid.level}, "
            f"grille du {grid.date:%d/%m/%Y}"
        )
        for criterion in grid.failing:
            if criterion.automated_only:
                kind, fix = "vérifié seulement par des tests automatiques", "à vérifier à la main"
            else:
                kind = "non vérifié" if criterion.not_verified else "non conforme"
                fix = criterion.fix
            pages = ", ".join(criterion.failing_pages)
            self.stdout.write(f"  {criterion.id} ({kind} : {pages}) — {fix}")

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum


def status_summary(
    queryset: QuerySet[Any], choices: list[tuple[str, str]], *, amount_field: str | None = None
) -> list[dict[str, Any]]:
    """Count (and sum) a queryset by status, one row per status choice, zeros included."""
    aggregates: dict[str, Any] = {"count": Count("id")}
    if amount_field:
        aggregates["amount"] = Sum(amount_field)
    rows: dict[str, dict[str, Any]] = {
        row["status"]: row for row in queryset.values("status").annotate(**aggregates).order_by()
    }
    return [
        {
            "value": value,
            "label": label,
            "count": rows.get(value, {}).get("count", 0),
            "amount": rows.get(value, {}).get("amount") or 0,
        }
        for value, label in choices
    ]

"""A list's title names what it shows (RGAA 8.6, issue 22 §12): its filters in use and its page
number, so that page 2 of a filtered list is not titled like the whole list.

`{% list_title_suffix %}` in base.html reads the page's context: a filter form (a bound form
whose fields are all optional, as a search or a filter is) and a `page` (a Django Page)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.core.paginator import Page

register = template.Library()


def shown_value(field: forms.Field, value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else ""
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        choices: Iterable[tuple[Any, Any]] = field.choices  # type: ignore[assignment]
        labels = {str(key): str(label) for key, label in choices}
        return labels.get(str(value), str(value))
    return str(value)


def filters_in_use(form: forms.BaseForm) -> list[str]:
    """ "Label : value" of each filter the bound, valid filter form applies."""
    if not form.is_bound or any(field.required for field in form.fields.values()):
        return []
    if not form.is_valid():
        return []
    used = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or field.widget.is_hidden:
            continue
        shown = shown_value(field, value)
        if shown:
            used.append(f"{field.label} : {shown}")
    return used


@register.simple_tag(takes_context=True)
def list_title_suffix(context: template.Context) -> str:
    """ " (Commune : Nanterre, page 2 sur 5)" — or "" for an unfiltered first page."""
    parts: list[str] = []
    for value in context.flatten().values():
        if isinstance(value, forms.BaseForm):
            parts.extend(filters_in_use(value))
    page = context.get("page")
    if isinstance(page, Page) and page.number > 1:
        parts.append(f"page {page.number} sur {page.paginator.num_pages}")
    return f" ({', '.join(parts)})" if parts else ""

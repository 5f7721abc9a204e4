"""Errors of a refused form, announced (RGAA 11.10, 11.11): a summary at the top of the form,
focused when the page loads, linking to each field; and a page title starting "Erreur : ".

`{% error_summary form %}` renders the summary (templates/includes/error_summary.html);
`includes/form.html` uses it, and a template that lays out its fields by hand calls it at the
top of its form. `{% refused_form_on_page %}` in base.html finds every form of the page's
context that was refused, so no view has to say it."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.messages import get_messages
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.html import strip_tags

register = template.Library()


GROUP_WIDGETS = ("radioselect", "checkboxselectmultiple")


@dataclass(frozen=True)
class SummaryLine:
    message: str
    label: str = ""  # the field's label; empty for an error of the whole form
    target: str = ""  # the id of the field's input (the first one of a group)


def plain_label(label: object) -> str:
    """A label as plain text: a label may hold markup (a link to the rules it accepts), which
    the summary, a link itself, must neither show nor nest (RGAA 11.10)."""
    return " ".join(html.unescape(strip_tags(str(label))).split())


def summary_lines(form: BaseForm, prefix: str = "") -> list[SummaryLine]:
    lines = [SummaryLine(f"{prefix}{message}") for message in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            lines.extend(SummaryLine(f"{prefix}{message}") for message in field.errors)
            continue
        target = field.id_for_label or field.auto_id or ""
        if field.widget_type in GROUP_WIDGETS and field.auto_id:
            target = f"{field.auto_id}_0"  # the group's first input, which takes the focus
        # A field shown in a group (a fieldset) is named by the group's legend.
        group_legend = getattr(form, "field_groups", {}).get(field.name)
        label = f"{prefix}{group_legend or plain_label(field.label)}"
        lines.extend(SummaryLine(str(message), label, target) for message in field.errors)
    return lines


def formset_lines(formset: BaseFormSet[Any]) -> list[SummaryLine]:
    lines = [SummaryLine(str(message)) for message in formset.non_form_errors()]
    for number, form in enumerate(formset, start=1):
        lines.extend(summary_lines(form, prefix=f"Ligne {number} – "))
    return lines


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms: BaseForm | BaseFormSet[Any] | None) -> dict[str, Any]:
    """The summary of one form, or of several sent together (a form and its formsets)."""
    lines: list[SummaryLine] = []
    for form in forms:
        if isinstance(form, BaseFormSet) and form.is_bound:
            lines.extend(formset_lines(form))
        elif isinstance(form, BaseForm) and form.is_bound:
            lines.extend(summary_lines(form))
    if (
        lines
    ):  # the summary takes the focus: a field's autofocus would take it back (and is invalid)
        for form in forms:
            for single in form.forms if isinstance(form, BaseFormSet) else [form] if form else []:
                for field in single.fields.values():
                    field.widget.attrs.pop("autofocus", None)
    return {"lines": lines}


def is_refused(value: object) -> bool:
    if isinstance(value, BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return False


def refused_forms(context: template.Context) -> list[object]:
    """The bound forms and formsets of the page's context that hold an error."""
    return [value for value in context.flatten().values() if is_refused(value)]


@register.simple_tag(takes_context=True)
def refused_form_on_page(context: template.Context) -> bool:
    """Whether a form of the page was refused: base.html then starts the title "Erreur : "."""
    return bool(refused_forms(context))


@register.simple_tag(takes_context=True)
def message_title_prefix(context: template.Context) -> str:
    """The first message a redirect left, as the start of the title ("Ticket enregistré — "),
    so that the new page's title says what happened."""
    request = context.get("request")
    if request is None:
        return ""
    for message in get_messages(request):
        return f"{message} — "
    return ""


@register.filter
def is_optional(field: BoundField) -> bool:
    """Whether the field's label says "(facultatif)" (RGAA 11.10): an optional field of a form
    that also has required ones. A form whose fields are all optional (a filter, a search)
    marks none; a checkbox is not marked either (ticking it is the choice), nor a field whose
    label says when it is required (the form's `conditionally_required`)."""
    if field.field.required or field.is_hidden or field.widget_type == "checkbox":
        return False
    if field.name in getattr(field.form, "conditionally_required", ()):
        return False  # its label says when it is required
    return any(other.required for other in field.form.fields.values())

import datetime as dt
from collections.abc import Sized
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from passplus.core.french import counted, is_plural
from passplus.core.money import format_cents
from passplus.core.privacy import mask_iban
from passplus.organisations.validators import display_phone
from passplus.tickets.numbers import format_ticket_number
from passplus.www import downloads
from passplus.www.public.accessibility_audit import current_grid

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """{{ wallet.granted_cents|euros }} -> '80,00 €'."""
    return format_cents(cents)


@register.filter
def ticket_number(number: str) -> str:
    """{{ ticket.number|ticket_number }} -> '1234 5678 9012'."""
    return format_ticket_number(number)


@register.filter
def phone(e164: str) -> str:
    """{{ organisation.public_phone|phone }} -> '01 23 45 67 89'."""
    return display_phone(e164) if e164 else ""


@register.filter
def minutes(duration: dt.timedelta | None) -> int:
    """A duration in whole minutes (rounded up): timedelta(seconds=61) -> 2."""
    if duration is None:
        return 0
    return -(-int(duration.total_seconds()) // 60)


@register.filter
def iban(value: str) -> str:
    """The whole IBAN in groups of four, as printed on a RIB (only where it must be checked)."""
    compact = "".join(value.split())
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


def _count(value: Any) -> int | None:
    """A count from an int, a numeric string or a sized object (as Django's pluralize takes)."""
    if isinstance(value, Sized) and not isinstance(value, str):
        return len(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register.filter
def pluriel(value: Any, suffixes: str = "s") -> str:
    """French `pluralize` (0 and 1 singular): {{ n|pluriel }} -> '' or 's';
    {{ n|pluriel:"al,aux" }} -> 'al' or 'aux'. Anything not countable gives ''."""
    singular, _comma, plural_suffix = suffixes.rpartition(",")
    count = _count(value)
    if count is None:
        return ""
    return plural_suffix if is_plural(count) else singular


@register.filter
def compte(value: Any, words: str) -> str:
    """The count followed by the agreed word: {{ n|compte:"ligne" }} -> '2 lignes';
    {{ n|compte:"ligne en erreur,lignes en erreur" }} for a phrase or an irregular plural."""
    count = _count(value)
    if count is None:
        return ""
    singular, _comma, plural_form = words.partition(",")
    return counted(count, singular, plural_form or None)


@register.simple_tag
def identification_form_file() -> str:
    """ "PDF, 4 Ko": the blank identification form's format and size, for its links."""
    return str(downloads.identification_form_size())


@register.simple_tag
def stored_file(file: Any, kind: str = "") -> str:
    """ "PDF, 18 Ko" for a stored file; its kind from its name unless given ("" if none)."""
    if not file:
        return kind
    name_kind = str(file.name).rsplit(".", 1)[-1].upper().replace("JPG", "JPEG")
    size = downloads.stored(kind or name_kind, file)
    return str(size) if size else kind or name_kind


@register.simple_tag
def estimated_file(kind: str, rows: int, made_of: str) -> str:
    """ "CSV, environ 120 Ko" for a file built on request from `rows` rows; `made_of` names
    its row size in passplus.www.downloads (directory, redemptions, payment_advice, ticket,
    sepa, directory_json, redemptions_xlsx)."""
    row_bytes, base_bytes = {
        "directory": (downloads.DIRECTORY_CSV_ROW_BYTES, 200),
        "redemptions": (downloads.REDEMPTIONS_CSV_ROW_BYTES, 200),
        "payment_advice": (
            downloads.PAYMENT_ADVICE_ROW_BYTES,
            downloads.PAYMENT_ADVICE_BASE_BYTES,
        ),
        "ticket": (0, downloads.TICKET_PDF_BYTES),
        "sepa": (downloads.SEPA_TRANSFER_BYTES, downloads.SEPA_BASE_BYTES),
        "directory_json": (downloads.DIRECTORY_JSON_ROW_BYTES, 200),
        "redemptions_xlsx": (downloads.REDEMPTIONS_XLSX_ROW_BYTES, downloads.XLSX_BASE_BYTES),
    }[made_of]
    return str(downloads.estimated(kind, int(rows or 0), row_bytes, base_bytes))


@register.simple_tag
def site_url(view_name: str, *args: Any) -> str:
    """A page's full address (SITE_URL and its path), for e-mails: an attached PDF is followed
    by the page that holds its text (RGAA 13.3)."""
    return str(settings.SITE_URL) + reverse(view_name, args=args)


@register.simple_tag
def accessibility_level() -> str:
    """The level then the rate in brackets, both computed from the RGAA grid of the sample
    (the footer of every page): `Grid.summary`."""
    return current_grid().summary


@register.filter
def iban_masque(account: Any) -> str:
    """A masked IBAN shown as such, read as words (RGAA 13.5): the bullets are hidden from
    screen readers, which hear "IBAN se terminant par 0189" instead. Takes a bank account, a
    payment, or an IBAN."""
    iban = str(getattr(account, "iban", account) or "")
    masked = mask_iban(iban)
    if len(iban) < 8:
        return format_html('<span aria-hidden="true">{}</span>', masked)
    return format_html(
        '<span aria-hidden="true">{}</span><span class="visually-hidden">IBAN se terminant par '
        "{}</span>",
        masked,
        iban[-4:],
    )


@register.filter
def telephone_masque(masked: str) -> str:
    """A masked phone number ("+33 6 •• •• •• 78") shown as such, read as words (RGAA 13.5):
    "numéro se terminant par 78"."""
    if not masked:
        return ""
    return format_html(
        '<span aria-hidden="true">{}</span><span class="visually-hidden">numéro se terminant '
        "par {}</span>",
        masked,
        str(masked).split()[-1],
    )


# The modes of `{% cell %}`, set by the template that includes a table's cells.
CELL_MODES = ("head", "row", "card")


class CellNode(template.Node):
    def __init__(
        self, label: template.base.FilterExpression, numeric: bool, nodelist: template.NodeList
    ) -> None:
        self.label = label
        self.numeric = numeric
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        mode = context.get("cells")
        if mode not in CELL_MODES:
            raise template.TemplateSyntaxError(f"{{% cell %}} needs cells in {CELL_MODES}")
        label = self.label.resolve(context)
        numeric = mark_safe(' class="num"') if self.numeric else ""
        if mode == "head":
            return format_html('<th scope="col"{}>{}</th>', numeric, label)
        # The contents rendered by the template engine are safe: only the spaces around go.
        content = mark_safe(self.nodelist.render(context).strip())
        if mode == "row":
            return format_html("<td{}>{}</td>", numeric, content)
        return format_html("<div><dt>{}</dt><dd>{}</dd></div>", label, content)


@register.tag
def cell(parser: template.base.Parser, token: template.base.Token) -> CellNode:
    """One column of a table written once and shown two ways (RGAA 8.2, docs/decisions.md):
    `{% cell "Montant" num %}{{ x|euros }}{% endcell %}` is the column's header `<th>` where the
    including template sets `cells="head"`, its `<td>` where `cells="row"`, and a label/value
    pair of the row's card (`<div><dt>…</dt><dd>…</dd></div>`, inside a `<dl>`) where
    `cells="card"`. `num` aligns the column's figures to the right in the table."""
    bits = token.split_contents()
    if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] != "num"):
        raise template.TemplateSyntaxError('usage: {% cell "Label" [num] %}…{% endcell %}')
    nodelist = parser.parse(("endcell",))
    parser.delete_first_token()
    return CellNode(parser.compile_filter(bits[1]), len(bits) == 3, nodelist)

"""`{% cell %}` writes a table's column once for the table and for its phone cards (RGAA 8.2,
docs/decisions.md): a header, a row's cell or a card's label and value."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError

CELLS = (
    "{% load passplus %}"
    '{% cell "Saisi le" %} {{ day }} {% endcell %}'
    '{% cell "Montant" num %}<b>{{ amount }}</b>{% endcell %}'
)


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_a_column_is_a_header_a_cell_or_a_card_pair() -> None:
    values = {"day": "05/12/2026", "amount": "<10 €>"}
    assert render(CELLS, cells="head", **values) == (
        '<th scope="col">Saisi le</th><th scope="col" class="num">Montant</th>'
    )
    assert render(CELLS, cells="row", **values) == (
        '<td>05/12/2026</td><td class="num"><b>&lt;10 €&gt;</b></td>'
    )
    assert render(CELLS, cells="card", **values) == (
        "<div><dt>Saisi le</dt><dd>05/12/2026</dd></div>"
        "<div><dt>Montant</dt><dd><b>&lt;10 €&gt;</b></dd></div>"
    )


def test_the_label_is_escaped_and_may_be_a_variable() -> None:
    source = "{% load passplus %}{% cell label %}x{% endcell %}"
    assert render(source, cells="card", label="<État>") == (
        "<div><dt>&lt;État&gt;</dt><dd>x</dd></div>"
    )


def test_a_cell_without_a_mode_or_with_a_wrong_argument_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match="needs cells"):
        render(CELLS)
    with pytest.raises(TemplateSyntaxError, match="usage"):
        Template('{% load passplus %}{% cell "A" wide %}x{% endcell %}')

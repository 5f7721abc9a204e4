import pytest
from django.template import engines


def test_an_unknown_template_variable_fails_the_test() -> None:
    template = engines["django"].from_string("Bonjour {{ personne.inconnue }}")
    with pytest.raises(AssertionError, match="Variable de gabarit inconnue"):
        template.render({})


def test_optional_values_still_render_through_if_and_default() -> None:
    template = engines["django"].from_string("{% if absent %}x{% endif %}{{ present|default:'—' }}")
    assert template.render({"present": ""}) == "—"

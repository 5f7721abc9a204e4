"""Issue 32: the correspondent's identification form says its rules before it is sent.

- RGAA 11.5 and 11.10: the two domain boxes are one group (fieldset) whose legend states the
  rule, « Domaines d'activité (au moins un) », and carries the error once it is broken; the
  summary names the group and leads to its first box. The error used to appear only after
  sending, tied to the second box alone.
- WCAG 1.3.5: the contact and the organisation are someone else than the correspondent: their
  fields get no token that would make the browser offer the correspondent's own name, e-mail,
  telephone or employer.
- SIRET and RNA: each label says when the number is required (the SIRET except for an
  association, the RNA for an association), as the form's check does; neither says
  « facultatif »."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from passplus.organisations.models import IdentificationForm, Organisation
from tests.helpers.affiliation import correspondent_of, register
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of

pytestmark = pytest.mark.django_db

LEGEND = "Domaines d'activité (au moins un)"
THIRD_PARTY_FIELDS = ("contact_name", "contact_email", "contact_phone", "legal_name", "acronym")


@pytest.fixture
def correspondent_client(client: Client) -> Client:
    client.force_login(correspondent_of("92050"))
    return client


def test_the_domain_boxes_are_a_group_whose_legend_states_the_rule(
    correspondent_client: Client,
) -> None:
    page = parse_html(correspondent_client.get(reverse("correspondent:register")))

    box = page.select_one("#id_offers_sport")
    assert box is not None
    group = box.find_parent("fieldset")
    assert group is not None
    assert text_of(group, "legend") == LEGEND
    assert group.select_one("#id_offers_culture") is not None
    assert [text_of(group, f"label[for=id_offers_{d}]") for d in ("sport", "culture")] == [
        "Activités sportives",
        "Activités culturelles",
    ]


def test_no_domain_ticked_is_refused_on_the_group_and_the_summary_leads_to_its_first_box(
    correspondent_client: Client,
) -> None:
    with assert_unchanged(counted=[Organisation, IdentificationForm]):
        response = register(correspondent_client, offers_sport=None, offers_culture=None)

    page = parse_html(response)
    legend = page.select_one("fieldset:has(#id_offers_sport) > legend")
    assert legend is not None
    error = legend.select_one("#id_offers_sport_error")
    assert error is not None  # inside the legend: the group's name carries the error
    assert "Cochez au moins un domaine" in error.get_text()
    assert page.select_one("#id_offers_culture_error") is None
    assert not page.select_one("#id_offers_culture").has_attr("aria-describedby")  # type: ignore[union-attr]
    link = page.select_one("#resume-erreurs a[href='#id_offers_sport']")
    assert link is not None
    assert " ".join(link.get_text(" ").split()) == (
        f"{LEGEND} : Cochez au moins un domaine : activités sportives ou culturelles."
    )


def test_one_domain_ticked_is_enough(correspondent_client: Client) -> None:
    response = register(correspondent_client, offers_sport=None, offers_culture="on")

    assert response.status_code == 302
    assert Organisation.objects.get().offers_culture


def test_the_contact_and_organisation_fields_do_not_offer_the_correspondents_own_data(
    correspondent_client: Client,
) -> None:
    page = parse_html(correspondent_client.get(reverse("correspondent:register")))

    tokens = {}
    for name in THIRD_PARTY_FIELDS:
        field = page.select_one(f"[name={name}]")
        assert field is not None, name
        tokens[name] = field.get("autocomplete")
    assert tokens == dict.fromkeys(THIRD_PARTY_FIELDS, "off")


def test_siret_and_rna_labels_say_when_each_is_required(correspondent_client: Client) -> None:
    page = parse_html(correspondent_client.get(reverse("correspondent:register")))

    assert text_of(page, "label[for=id_siret]") == "SIRET (obligatoire sauf pour une association)"
    assert text_of(page, "label[for=id_rna]") == "Numéro RNA (obligatoire pour une association)"
    for name in ("siret", "rna"):
        help_text = text_of(page, f"#id_{name}_helptext").lower()
        assert "obligatoire" not in help_text and "facultatif" not in help_text, help_text
    # The form applies that rule: test_correspondent_registration.py, bad input.

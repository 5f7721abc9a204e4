"""A correspondent cannot reach another commune's organisations (issue 30 §1): every URL of the
correspondent space that takes an id, requested with the id of an organisation of another
commune, GET and POST, answers 403, 404 (or 405 for a POST-only action, before any look-up) and
changes nothing; ids in the query string or in a form reach nothing either. The same requests by
the organisation's own correspondent succeed, so each refusal is the commune's doing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, reverse
from django_tasks_db.models import DBTaskResult

from passplus.accounts.models import Invitation
from passplus.organisations.models import IdentificationForm, Organisation
from passplus.www.correspondent.urls import urlpatterns
from tests.helpers.affiliation import correspondent_of, register
from tests.helpers.database import assert_unchanged
from tests.helpers.factories import commune
from tests.helpers.pages import parse_html, text_of
from tests.helpers.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db

OTHER_NAME = "Union sportive de Nanterre"
# Every pattern of the space whose path takes an id, and how it answers a GET.
WITH_AN_ID = {
    pattern.name: pattern
    for pattern in urlpatterns
    if isinstance(pattern, URLPattern) and "pk" in pattern.pattern.converters
}


@pytest.fixture
def other_communes_organisation() -> Organisation:
    """An organisation of Nanterre (92050) registered by its correspondent, invitation sent."""
    owner = Client()
    owner.force_login(correspondent_of("92050"))
    assert register(owner).status_code == 302
    run_queued_tasks()
    return Organisation.objects.get(legal_name=OTHER_NAME)


@pytest.fixture
def intruder(client: Client) -> Client:
    client.force_login(correspondent_of("92002"))  # Antony
    return client


def snapshot(organisation: Organisation) -> Any:
    form = IdentificationForm.objects.get(organisation=organisation)
    invitation = Invitation.objects.get(organisation=organisation)
    return assert_unchanged(
        organisation,
        form,
        invitation,
        counted=[Organisation, IdentificationForm, Invitation, DBTaskResult],
    )


def test_the_space_has_urls_with_an_id_to_walk() -> None:
    assert set(WITH_AN_ID) == {"resend_invitation", "revoke_invitation"}


@pytest.mark.parametrize("name", sorted(WITH_AN_ID))
def test_every_url_with_an_id_refuses_another_communes_organisation(
    intruder: Client, other_communes_organisation: Organisation, name: str
) -> None:
    url = reverse(f"correspondent:{name}", args=[other_communes_organisation.pk])
    sent = len(mail.outbox)

    with snapshot(other_communes_organisation):
        got = intruder.get(url).status_code
        posted = intruder.post(url, {"reason": "x"}).status_code
        run_queued_tasks()

    assert got in (403, 404, 405)
    assert posted in (403, 404)
    assert len(mail.outbox) == sent


@pytest.mark.parametrize("name", sorted(WITH_AN_ID))
def test_the_organisations_own_correspondent_reaches_the_same_urls(
    other_communes_organisation: Organisation, name: str
) -> None:
    owner = Client()
    owner.force_login(other_communes_organisation.commune.correspondents.get())
    url = reverse(f"correspondent:{name}", args=[other_communes_organisation.pk])

    response = owner.post(url)

    assert response.status_code == 302
    assert response["Location"] == reverse("correspondent:home")


def test_ids_in_the_query_string_show_nothing_of_another_commune(
    intruder: Client, other_communes_organisation: Organisation
) -> None:
    other = other_communes_organisation
    queries: list[dict[str, int]] = [
        {"commune": other.commune_id},
        {"communes": other.commune_id},
        {"organisation": other.pk},
        {"pk": other.pk},
    ]
    pages = [intruder.get(reverse("correspondent:home"), query) for query in queries]

    assert [page.status_code for page in pages] == [200] * len(queries)
    shown = [text_of(parse_html(page), "main") for page in pages]
    assert [OTHER_NAME in text for text in shown] == [False] * len(queries)
    assert all("Antony" in text for text in shown)  # the intruder's own commune, still


def test_registering_in_another_commune_by_its_id_is_refused(
    intruder: Client, other_communes_organisation: Organisation
) -> None:
    with assert_unchanged(counted=[Organisation, IdentificationForm, Invitation, DBTaskResult]):
        response = register(intruder, rna="W922222222", commune=commune("92050").pk)

    assert response.status_code == 200
    assert "Choisissez l'une de vos communes" in text_of(parse_html(response), "main")

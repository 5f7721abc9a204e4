"""A request announcing a body larger than the app accepts is refused with 413 before anything
reads it: the largest upload of each page (RIB 5 MB, pupil import 50 MB, the switch-over's file
and ZIP) sets the limit."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from passplus.core.request_size import RequestSizeLimitMiddleware
from passplus.organisations.models import BankAccount, OrganisationImport
from passplus.organisations.switch_over import requests as organisation_import_requests
from passplus.pupils.models import ImportJob
from tests.helpers import factories
from tests.helpers.database import assert_unchanged
from tests.helpers.pages import parse_html, text_of

MB = 1024 * 1024


class UnreadableInput:
    """A wsgi.input that fails the test if anything reads the body."""

    def read(self, *_args: Any) -> bytes:
        raise AssertionError("the request body was read")

    readline = read


def huge_post(client: Client, path: str, length: int) -> Any:
    return client.generic(
        "POST",
        path,
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=x",  # the client sets none without data
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableInput()},
    )


@pytest.mark.django_db
def test_a_huge_anonymous_post_is_refused_unread_with_a_french_page(client: Client) -> None:
    with assert_unchanged(counted=[AccessAttempt, AccessFailureLog, AccessLog, Session]):
        response = huge_post(client, reverse("accounts:login"), 100 * MB)

    assert response.status_code == 413
    page = parse_html(response)
    assert page.html is not None and page.html["lang"] == "fr"
    assert text_of(page, "h1") == "Envoi trop volumineux"
    assert "6 Mo" in text_of(page, "main")


@pytest.mark.django_db
def test_a_rib_upload_above_the_limit_is_refused_before_the_view_runs(client: Client) -> None:
    member = factories.UserFactory(organisation_member=True)
    client.force_login(member)
    with assert_unchanged(member.organisation, counted=[BankAccount, DBTaskResult]):
        response = huge_post(client, reverse("partner:bank_details"), 100 * MB)
    assert response.status_code == 413


@pytest.mark.django_db
def test_the_pupil_import_page_has_its_own_larger_limit(client: Client) -> None:
    client.force_login(factories.UserFactory(gestionnaire=True))
    with assert_unchanged(counted=[ImportJob, DBTaskResult]):
        response = huge_post(client, reverse("backoffice:pupil_import"), 52 * MB)
    assert response.status_code == 413


@pytest.mark.django_db
def test_the_organisation_import_page_has_its_own_limit(client: Client, settings: Any) -> None:
    settings.PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES = 30 * MB
    client.force_login(factories.UserFactory(gestionnaire=True))
    with assert_unchanged(counted=[OrganisationImport, DBTaskResult]):
        response = huge_post(client, reverse("backoffice:organisation_import"), 30 * MB + 1)
    assert response.status_code == 413
    assert "30 Mo" in text_of(parse_html(response), "main")


def recording_middleware(settings: Any) -> tuple[RequestSizeLimitMiddleware, list[HttpRequest]]:
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse("ok")

    return RequestSizeLimitMiddleware(view), seen


@pytest.mark.parametrize(
    ("path", "length", "passes"),
    [
        ("/compte/connexion/", 6 * MB, True),
        ("/compte/connexion/", 6 * MB + 1, False),
        ("/espace-affilie/compte/coordonnees-bancaires/", 6 * MB + 1, False),
        ("/gestion/eleves/import/", 40 * MB, True),
        ("/gestion/eleves/import/", 51 * MB, True),
        ("/gestion/eleves/import/", 51 * MB + 1, False),
        ("/gestion/eleves/import/1/", 40 * MB, False),
        # The switch-over's page: its file (20 MiB) and ZIP (2 GiB), on its exact path only.
        ("/gestion/reprise-organismes/", 2069 * MB, True),
        ("/gestion/reprise-organismes/", 2069 * MB + 1, False),
        ("/gestion/reprise-organismes/1/", 6 * MB + 1, False),
        ("/gestion/reprise-organismes/1/importer/", 6 * MB + 1, False),
        ("/gestion/reprise-organismes", 6 * MB + 1, False),
    ],
)
def test_limits_by_page(settings: Any, path: str, length: int, passes: bool) -> None:
    middleware, seen = recording_middleware(settings)
    request = RequestFactory().post(path, CONTENT_LENGTH=str(length))
    request.META["wsgi.input"] = UnreadableInput()

    response = middleware(request)

    assert (response.status_code == 200) is passes
    assert bool(seen) is passes


def test_the_limits_follow_the_settings(settings: Any) -> None:
    settings.PASSPLUS_MAX_REQUEST_BYTES = 1000
    middleware, seen = recording_middleware(settings)
    assert middleware(RequestFactory().post("/x/", CONTENT_LENGTH="1000")).status_code == 200
    assert middleware(RequestFactory().post("/x/", CONTENT_LENGTH="1001")).status_code == 413
    assert len(seen) == 1


def test_requests_without_a_length_pass(settings: Any) -> None:
    middleware, seen = recording_middleware(settings)
    assert middleware(RequestFactory().get("/")).status_code == 200
    request = RequestFactory().post("/")
    request.META["CONTENT_LENGTH"] = "not a number"  # Django reads such a body as empty
    assert middleware(request).status_code == 200
    assert len(seen) == 2


def test_the_settings_keep_the_limits_in_order(settings: Any) -> None:
    """Each request limit leaves room for its largest file plus the form around it."""
    assert settings.PASSPLUS_MAX_REQUEST_BYTES > settings.PASSPLUS_RIB_MAX_BYTES
    assert settings.PASSPLUS_MAX_IMPORT_REQUEST_BYTES > settings.PASSPLUS_PUPIL_IMPORT_MAX_BYTES
    assert settings.PASSPLUS_MAX_ORGANISATION_IMPORT_REQUEST_BYTES > (
        organisation_import_requests.MAX_FILE_BYTES
        + settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES
    )
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.PASSPLUS_MAX_REQUEST_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.PASSPLUS_MAX_REQUEST_BYTES

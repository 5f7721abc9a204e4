from __future__ import annotations

import pytest
from django.test import RequestFactory

from passplus.audit.context import current_ip
from passplus.audit.middleware import AuditContextMiddleware
from passplus.audit.models import AuditEvent
from passplus.core.http import client_ip
from tests.helpers import factories


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy configured: a forged header is ignored
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the proxy's own entry, not the forged one
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_a_transition_made_during_a_request_records_actor_and_ip() -> None:
    organisation = factories.OrganisationFactory()
    staff = factories.UserFactory(gestionnaire=True)

    def view(request):
        organisation.suspend(actor=staff, reason="Contrôle")
        return None

    AuditContextMiddleware(view)(RequestFactory().post("/", REMOTE_ADDR="198.51.100.4"))

    event = AuditEvent.objects.for_object(organisation).get()
    assert (event.action, event.actor, event.actor_label) == (
        "organisation.suspend",
        staff,
        staff.email,
    )
    assert (event.ip, event.before, event.after) == (
        "198.51.100.4",
        {"status": "affiliated"},
        {"status": "suspended"},
    )
    assert event.reason == "Contrôle"
    assert current_ip.get() is None  # reset after the request

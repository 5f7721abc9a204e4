"""The account a typed login counts against (passplus/accounts/lockouts.py), on its own: the
login page's form lower-cases the e-mail before authenticating, so the page's tests cannot see
whether the lockout does it too, and other callers of authenticate() (the Django admin's login,
an API) pass what was typed."""

from __future__ import annotations

from typing import Any

import pytest
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import RequestFactory

from passplus.accounts.lockouts import locked_staff_accounts, normalise_login, typed_username
from passplus.accounts.models import Role
from tests.helpers.factories import UserFactory

ACCOUNT = "agent.finances@example.fr"
TYPED = ["Agent.Finances@Example.FR", " AGENT.FINANCES@EXAMPLE.FR\t", "agent.finances@example.fr"]


@pytest.mark.parametrize("typed", TYPED)
def test_a_login_typed_in_any_case_designates_the_lower_case_account(
    rf: RequestFactory, typed: str
) -> None:
    posted = rf.post("/compte/connexion/", {"username": typed, "password": "x"})

    assert typed_username(posted) == ACCOUNT
    assert typed_username(rf.get("/"), {"username": typed, "password": "x"}) == ACCOUNT
    assert get_client_username(posted) == ACCOUNT  # what django-axes counts against


@pytest.mark.parametrize("typed", ["", "   ", None, 42])
def test_nothing_typed_designates_no_account(typed: Any) -> None:
    assert normalise_login(typed) is None


@pytest.mark.django_db
def test_failures_typed_in_different_cases_block_one_account(
    rf: RequestFactory, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    agent = UserFactory(email=ACCOUNT, role=Role.FINANCE)

    for number, typed in enumerate(TYPED):
        request = rf.post("/django-admin/login/", REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert authenticate(request, username=typed, password="wrong") is None

    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {ACCOUNT}
    assert [lockout.user for lockout in locked_staff_accounts()] == [agent]

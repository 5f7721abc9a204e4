"""The finance team's payment-run pages in headless Chromium: zero axe-core violations and no
horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.factories import PASSWORD, PaymentFactory, PaymentRunFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def finance() -> dict[str, Any]:
    run = PaymentRunFactory(sent=True)
    PaymentFactory.create_batch(2, run=run)
    # Built by the scheduler: the check button and the two-step rule; checked: the approval.
    system_built = PaymentRunFactory(built_by=None)
    checked = PaymentRunFactory(checked=True)
    # Approved, its file not yet downloaded: the sentence in place of « Marquer transmise ».
    approved = PaymentRunFactory(approved=True)
    for other in (system_built, checked, approved):
        PaymentFactory(run=other)
    return {
        "email": UserFactory(finance=True).email,
        "runs": [run.pk, system_built.pk, checked.pk, approved.pk],
    }


@pytest.mark.parametrize("width", [360, 1280])
def test_the_run_pages_are_accessible(
    live_server: Any, finance: dict[str, Any], page: Any, axe_violations: Any, width: int
) -> None:
    checks = PageChecks(page, axe_violations, width)
    # This user has no authenticator yet: the enrolment pages are checked on the way.
    log_in_staff(page, live_server.url, finance["email"], PASSWORD, checks.check_axe_only)
    paths = [f"/gestion/remboursements/{pk}/" for pk in finance["runs"]]
    for path in ["/gestion/remboursements/", *paths]:
        page.goto(f"{live_server.url}{path}")
        checks.check(path)
    checks.assert_clean()

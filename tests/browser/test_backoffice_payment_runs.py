"""The finance team's payment-run pages in headless Chromium: zero axe-core violations and no
horizontal scroll, on a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_partner_journey import horizontal_overflow, watch_errors
from tests.factories import PASSWORD, PaymentFactory, PaymentRunFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def finance() -> dict[str, Any]:
    run = PaymentRunFactory(sent=True)
    PaymentFactory.create_batch(2, run=run)
    return {"email": UserFactory(finance=True).email, "run": run.pk}


@pytest.mark.parametrize("width", [360, 1280])
def test_the_run_pages_are_accessible(
    live_server: Any, finance: dict[str, Any], page: Any, axe_violations: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(finance["email"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/gestion/")
    reports = []
    for path in ["/gestion/remboursements/", f"/gestion/remboursements/{finance['run']}/"]:
        page.goto(f"{live_server.url}{path}")
        reports.append(axe_violations())
        if overflow := horizontal_overflow(page):
            reports.append(f"{path}: horizontal scroll of {overflow} px at {width} px")
    report = "\n".join(filter(None, reports))
    assert not report, report
    assert errors == []

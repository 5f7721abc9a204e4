"""Issue 33 §4 at 1280 px, in headless Chromium: a finance agent finds the run waiting for her in
« À traiter » and first on « Remboursements », reads the transfers before the approval button,
and on a transmitted run opens a transfer's reject form on demand; axe-core finds nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from passplus.payments.models import PaymentRunStatus
from tests.helpers.browser import PageChecks, log_in_staff
from tests.helpers.factories import PASSWORD, PaymentFactory, PaymentRunFactory, UserFactory
from tests.helpers.payments import payment_with_redemptions, run_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_finance_agent_finds_and_approves_the_run_waiting_for_her(
    live_server: Any, page: Any, axe_violations: Any
) -> None:
    checked = PaymentRunFactory(checked=True)
    PaymentFactory(run=checked)
    sent = run_in(PaymentRunStatus.SENT)
    payment_with_redemptions(sent, count=1)
    agent = UserFactory(finance=True)
    checks = PageChecks(page, axe_violations, 1280)
    log_in_staff(page, live_server.url, agent.email, PASSWORD, checks.check_axe_only)

    page.goto(live_server.url + reverse("backoffice:review_queue"))
    queue = page.locator("#campagnes-en-attente")
    expect(queue).to_contain_text("à approuver")
    checks.check("à traiter")

    page.goto(live_server.url + reverse("backoffice:payment_runs"))
    expect(page.locator("#a-votre-action")).to_contain_text("à approuver")
    checks.check("remboursements")
    page.locator("#a-votre-action").get_by_role("link").click()
    expect(page.locator("#prochaine-etape")).to_contain_text("approuve")
    checks.check("campagne à approuver")
    transfers_top = page.locator("#virements").bounding_box()["y"]
    button = page.get_by_role("button", name="Approuver la campagne")
    assert button.bounding_box()["y"] > transfers_top

    page.goto(live_server.url + reverse("backoffice:payment_run", args=[sent.pk]))
    reason = page.get_by_label("Motif du rejet")
    expect(reason).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("^Marquer payé"))).to_be_visible()
    page.locator("summary", has_text="Marquer rejeté").click()
    expect(reason).to_be_visible()
    checks.check("rejet ouvert")
    checks.assert_clean()

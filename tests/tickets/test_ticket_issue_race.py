"""Tickets issued at once on one wallet never exceed its credit: `Ticket.issue` reads the
remaining credit under the wallet's row lock (issue 30 §3: the test moved here from the family
pages, and runs where removing the lock makes it fail)."""

from __future__ import annotations

from unittest import mock

import pytest

from passplus.core.errors import DomainError
from passplus.pupils.models import Wallet
from passplus.tickets.models import Ticket
from tests.helpers.database import requires_row_locks
from tests.helpers.factories import WalletFactory
from tests.helpers.races import held_together, run_together

CREDIT_EXCEEDED = "Le montant dépasse le crédit restant."


@requires_row_locks
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_on_one_wallet_never_exceed_its_credit() -> None:
    """Eight requests at once for 50 € on an 80 € wallet: the wallet's row lock lets one
    through, the seven others see the credit it took. Each caller is held after reading the
    remaining credit until the others have read it too: without the lock, all read 80 €."""
    wallet = WalletFactory(granted_cents=8000)
    parent = wallet.pupil.family.user

    def issue() -> str:
        try:
            Ticket.issue(wallet=wallet, amount_cents=5000, actor=parent)
        except DomainError as error:
            return error.message
        return "created"

    held = held_together(Wallet.remaining_cents, parties=8)
    with mock.patch.object(Wallet, "remaining_cents", held):
        outcomes = run_together(*[issue] * 8)

    assert sorted(outcomes) == [CREDIT_EXCEEDED] * 7 + ["created"]
    assert Ticket.objects.filter(wallet=wallet).count() == 1
    assert wallet.remaining_cents() == 3000

"""Fixtures shared by the dashboard tests: the current campaign, known data in two communes,
a logged-in staff member."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from passplus.campaigns.models import SchoolYear
from tests.helpers.dashboards import ELUARD, MOULIN, paris, redemption
from tests.helpers.factories import (
    OrganisationFactory,
    RedemptionFactory,
    SchoolYearFactory,
    UserFactory,
    WalletFactory,
    commune,
)


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYearFactory()


@pytest.fixture
def known(year: SchoolYear) -> dict[str, Any]:
    """3 live redemptions in 2 communes (Nanterre 20 + 30 EUR, Antony 15 EUR), a cancelled one
    (10 EUR, not counted), 5 pupils in 2 collèges (one scholarship holder)."""
    nanterre, antony = commune("92050"), commune("92002")
    judo = OrganisationFactory(commune=nanterre, public_name="Judo de Nanterre")
    theatre = OrganisationFactory(commune=antony, public_name="Théâtre d'Antony", culture=True)
    eluard_1 = WalletFactory(pupil__college=ELUARD)
    eluard_2 = WalletFactory(pupil__college=ELUARD, pupil__is_scholarship=True, granted_cents=10000)
    moulin = [WalletFactory(pupil__college=MOULIN) for _ in range(3)]
    # Monday 8 Sep 2025 (ISO week 37); the 3rd one on Monday 22 Sep at 00:30 in Paris, which is
    # still Sunday in UTC: it belongs to week 39 (the weeks are Paris weeks).
    redemption(judo, 2000, paris(2025, 9, 8, 10), wallet=eluard_1)
    redemption(judo, 3000, paris(2025, 9, 14, 23, 30), wallet=eluard_2, reimbursed=True)
    redemption(theatre, 1500, paris(2025, 9, 22, 0, 30), wallet=moulin[0], in_payment=True)
    RedemptionFactory(
        organisation=theatre,
        ticket__wallet=moulin[1],
        ticket__amount_cents=1000,
        cancelled=True,
        entered_at=paris(2025, 9, 9, 10),
    )
    return {"nanterre": nanterre, "antony": antony, "judo": judo, "theatre": theatre}


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(UserFactory(gestionnaire=True))
    return client

import pytest

from tests.helpers import factories


@pytest.mark.django_db
def test_every_factory_builds_a_valid_row() -> None:
    redemption = factories.RedemptionFactory(reimbursed=True)
    assert redemption.payment.organisation == redemption.organisation
    assert factories.SignatureRequestFactory().organisation.status == "signing"
    assert factories.UserFactory(organisation_member=True).organisation is not None
    assert factories.ActivityFactory().organisation.pk
    assert factories.WalletFactory(school_year=factories.SchoolYearFactory(split=True)).pk

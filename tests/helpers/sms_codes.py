"""SMS codes already sent, for the tests of the caps (tests/signatures/test_sms_caps.py and
the browser check of "À traiter")."""

from __future__ import annotations

import datetime as dt

from passplus.organisations.models import Organisation
from passplus.signatures.models import OneTimeCode
from tests.helpers.factories import ConventionFactory, SignatureRequestFactory


def seed_codes(
    count: int, *, phone: str, organisation: Organisation | None = None, at: dt.datetime
) -> None:
    """`count` codes sent at `at` to `phone` (for `organisation`, or another one each)."""
    for _ in range(count):
        # An expired request of a cancelled convention: what is counted is the codes sent,
        # whatever became of their request.
        convention = (
            ConventionFactory(cancelled=True)
            if organisation is None
            else ConventionFactory(organisation=organisation, cancelled=True)
        )
        request = SignatureRequestFactory(convention=convention, phone=phone, expired=True)
        code = OneTimeCode.objects.create(request=request, code_hash="0" * 64, expires_at=at)
        OneTimeCode.objects.filter(pk=code.pk).update(created_at=at)

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def scheme(request: HttpRequest) -> dict[str, Any]:
    return {
        "scheme_name": settings.PASSPLUS_SCHEME_NAME,
        "territory_name": settings.PASSPLUS_TERRITORY_NAME,
        "contact_email": settings.PASSPLUS_CONTACT_EMAIL,
        "authority_name": settings.PASSPLUS_AUTHORITY_NAME,
    }

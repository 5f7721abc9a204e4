"""`/.well-known/security.txt` (RFC 9116): whom to tell about a vulnerability in this service, in
which languages, and where the policy is. Every field comes from the settings (docs/deployment.md,
"Security contact"); SECURITY.md says the same for the code."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

# Readers may keep the file a day: its body changes once a day at most (see `expires_at`).
MAX_AGE_SECONDS = 24 * 3600


def expires_at(now: dt.datetime, days: int) -> dt.datetime:
    """`days` ahead of `now`, down to that day's midnight UTC: always after `now` (days >= 1)
    and within `days` of it, and the same value all day long, so the body can be cached."""
    later = now.astimezone(dt.UTC) + dt.timedelta(days=days)
    return later.replace(hour=0, minute=0, second=0, microsecond=0)


def policy_url() -> str:
    return settings.PASSPLUS_SECURITY_POLICY_URL or (
        f"{settings.SITE_URL}{reverse('public:legal_notices')}#securite"
    )


def contact_links() -> list[tuple[str, str]]:
    """The contacts as the legal notices link them: (URI, what the link reads)."""
    return [
        (contact, contact.removeprefix("mailto:").removeprefix("tel:"))
        for contact in settings.PASSPLUS_SECURITY_CONTACT
    ]


def security_txt_body(now: dt.datetime) -> str:
    expires = expires_at(now, settings.PASSPLUS_SECURITY_TXT_EXPIRES_DAYS)
    lines = [
        f"# {settings.PASSPLUS_SCHEME_NAME} : signaler une vulnérabilité (RFC 9116).",
        *(f"Contact: {contact}" for contact in settings.PASSPLUS_SECURITY_CONTACT),
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
        "Preferred-Languages: fr, en",
        f"Policy: {policy_url()}",
        f"Canonical: {settings.SITE_URL}{reverse('public:security_txt')}",
    ]
    return "\n".join(lines) + "\n"


@require_safe
@cache_control(public=True, max_age=MAX_AGE_SECONDS)
def security_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(security_txt_body(timezone.now()), content_type="text/plain; charset=utf-8")


def legacy_security_txt(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """RFC 9116 §3 lets `/security.txt` redirect to the `/.well-known/` file: one file to keep."""
    return HttpResponsePermanentRedirect(reverse("public:security_txt"))

"""`{% session_warning as session %}` in base.html: what the session warning of a signed-in page
needs (issue 32, RGAA 13.1): the session's deadlines as the endpoint answers them
(`accounts.session_views.clock_payload`), how long before the end to warn, and the absolute
maximum in words. None (no warning) for an anonymous visitor, and for staff who have not passed
the second factor: the extension endpoint, like every account page, sends them to it."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from passplus.accounts.access import second_factor_redirect
from passplus.accounts.session_views import clock_payload
from passplus.accounts.sessions import duration_fr, rule_for, session_clock, warning_seconds

register = template.Library()


@register.simple_tag(takes_context=True)
def session_warning(context: template.Context) -> dict[str, Any] | None:
    request = context.get("request")
    # Error pages may be rendered without the session and user middlewares having run.
    if not isinstance(request, HttpRequest) or not hasattr(request, "user"):
        return None
    if not hasattr(request, "session") or second_factor_redirect(request) is not None:
        return None
    clock = session_clock(request)
    if clock is None:
        return None
    rule = rule_for(getattr(request.user, "role", ""))
    return {
        **clock_payload(clock),
        "warning_seconds": warning_seconds(),
        "max_text": duration_fr(rule.max_hours * 60),
    }

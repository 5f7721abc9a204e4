"""Background work of the accounts: the password-reset e-mail. The request only queues the
typed address; the account is looked up and the token made here, so the request does the same
work whether the account exists or not, and no token or link ever sits in the queue."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.template.loader import render_to_string

from passplus.accounts.models import Role, User, password_link
from passplus.core.tasks import retried_task
from passplus.notifications.tasks import email_now


def reset_candidates(email: str) -> list[User]:
    """Django's rule (active, usable password), plus families created by an import who never
    logged in: their welcome link may have expired, and this is how they get a new one."""
    return [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True)
        if user.has_usable_password() or (user.role == Role.FAMILY and user.last_login is None)
    ]


@retried_task(queue_name="emails")
def password_reset_send(*, email: str, requested_at: str = "") -> int:
    """E-mail a link to choose a new password to the account of `email`, if there is one.
    `requested_at` (the request's time, ISO) names the request: each retry sends the same
    Message-ID (notifications.message_ids); tasks queued without it get a random one."""
    request = requested_at or uuid.uuid4().hex
    sent = 0
    for user in reset_candidates(email):
        link = password_link(user)
        context = {
            "email": user.email,
            "link": link,
            "scheme_name": settings.PASSPLUS_SCHEME_NAME,
            "validity_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        }
        subject = render_to_string("accounts/emails/password_reset_subject.txt", context)
        body = render_to_string("accounts/emails/password_reset.txt", context)
        sent += email_now(
            to=[user.email],
            subject="".join(subject.splitlines()),
            body=body,
            about=f"password-reset:{request}:{user.pk}",
        )
    return sent

"""Authentication backend: Django's, with the user's organisation loaded in the same query, and
no login (nor session) for a staff account a second admin has not activated yet."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from passplus.accounts.models import User


class UserWithOrganisationBackend(ModelBackend):
    """Every partner request needs `request.user.organisation`: one JOIN instead of two SELECTs."""

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user: Any) -> bool:
        """Inactive accounts, as Django, and staff accounts waiting for their activation by a
        second admin (issue 30): the password is refused and an open session ends."""
        return super().user_can_authenticate(user) and not getattr(
            user, "awaits_staff_activation", False
        )


# The backend a session records when we log a user in ourselves (after an invitation).
BACKEND_PATH = "passplus.accounts.backends.UserWithOrganisationBackend"

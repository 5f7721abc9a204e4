from django.contrib import admin
from django.http import HttpRequest

from passplus.accounts import admin_secrets  # noqa: F401 (replaces third-party admins)
from passplus.accounts.admin_lookups import ListedLookupsOnly
from passplus.accounts.models import STAFF_ROLES, Invitation, User


@admin.register(User)
class UserAdmin(ListedLookupsOnly, admin.ModelAdmin[User]):
    list_display = ["email", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password"]
    filter_horizontal = ["communes", "groups", "user_permissions"]
    # A département account's identity is read-only here: an admin who could change a finance
    # colleague's e-mail could ask a reset link for it and approve runs as them (four eyes).
    STAFF_IDENTITY = ("email", "role", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.role in STAFF_ROLES:
            return readonly + self.STAFF_IDENTITY
        return readonly


@admin.register(Invitation)
class InvitationAdmin(ListedLookupsOnly, admin.ModelAdmin[Invitation]):
    list_display = ["email", "purpose", "created_at", "expires_at", "used_at", "revoked_at"]
    exclude = ["token_hash"]

from django.contrib import admin

from passplus.accounts import admin_secrets  # noqa: F401 (replaces third-party admins)
from passplus.accounts.models import Invitation, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password"]
    filter_horizontal = ["communes", "groups", "user_permissions"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "purpose", "created_at", "expires_at", "used_at", "revoked_at"]
    exclude = ["token_hash"]

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Field
from django.forms import TypedChoiceField
from django.http import HttpRequest

from passplus.accounts import admin_secrets  # noqa: F401 (replaces third-party admins)
from passplus.accounts.admin_lookups import ListedLookupsOnly
from passplus.accounts.models import STAFF_ROLES, Invitation, Role, User


@admin.register(User)
class UserAdmin(ListedLookupsOnly, admin.ModelAdmin[User]):
    list_display = ["email", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    exclude = ["password"]
    filter_horizontal = ["communes", "groups", "user_permissions"]
    # No account's role changes here, and no account made here is staff (issue 30: one save
    # turned a partner into a finance account). Staff accounts and roles come from the back
    # office, asked by one admin and activated by another (accounts.staff_accounts).
    # The organisation goes with the role (a database constraint): a member joins or leaves
    # through the partner space, audited.
    ROLE_AND_ACTIVATION = (
        "role",
        "organisation",
        "is_superuser",
        "staff_requested_by",
        "staff_requested_at",
        "staff_activated_by",
        "staff_activated_at",
    )
    # A département account's identity is read-only too: an admin who could change a finance
    # colleague's e-mail could ask a reset link for it and approve runs as them (four eyes).
    STAFF_IDENTITY = ("email", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None:  # a new account: its role is chosen among the non-staff ones below
            return readonly + self.ROLE_AND_ACTIVATION[2:]
        if obj.role in STAFF_ROLES:
            return readonly + self.ROLE_AND_ACTIVATION + self.STAFF_IDENTITY
        return readonly + self.ROLE_AND_ACTIVATION

    def formfield_for_choice_field(
        self, db_field: Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> TypedChoiceField | None:
        if db_field.name == "role":
            kwargs["choices"] = [
                (value, label) for value, label in Role.choices if value not in STAFF_ROLES
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change and obj.role in STAFF_ROLES:
            # Never reached through the form (the choices above): a last guard.
            raise PermissionDenied("Les comptes du département se créent depuis /gestion/equipe/.")
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(ListedLookupsOnly, admin.ModelAdmin[Invitation]):
    list_display = ["email", "purpose", "created_at", "expires_at", "used_at", "revoked_at"]
    exclude = ["token_hash"]

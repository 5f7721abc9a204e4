"""Django's admin filters a list only by the filters it shows (issue 30 §1).

Django's `ModelAdmin.lookup_allowed` accepts any lookup on a model's own fields from the query
string: `?password__regex=^<prefix>` or `?key__lt=<prefix>` then tells, by an empty or a full
list, one character of a colleague's password hash or TOTP key per request. Every admin
registered on our site inherits `ListedLookupsOnly`: a lookup is accepted only if it is a
parameter of one of its `list_filter`s or of its `date_hierarchy`; anything else is refused by
Django with `DisallowedModelAdminLookup` (400) before any query runs. The third-party admins
(groups, django-axes) are registered again below with it; django-otp's and django-tasks-db's are
replaced in `admin_secrets`. The search box (`?q=`) searches only `search_fields`, which never
name a secret (tests/accounts/test_admin_lookups.py checks every admin).
"""

from __future__ import annotations

from typing import Any

# Imported first so that their registrations exist before they are replaced below, whatever
# the order in which the admin modules are discovered.
import axes.admin
import django.contrib.auth.admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.models import Group
from django.db import models
from django.http import HttpRequest


def _field_filter_parameters(model: type[models.Model], path: str) -> set[str]:
    """The query-string parameters of Django's default list filter of the field at `path`."""
    field = get_fields_from_path(model, path)[-1]
    if isinstance(field, models.ForeignObject | models.ManyToManyField):
        return {f"{path}__{field.target_field.name}__exact", f"{path}__isnull"}
    if isinstance(field, models.DateField):  # DateTimeField included
        return {f"{path}__gte", f"{path}__lt", f"{path}__isnull"}
    return {path, f"{path}__exact", f"{path}__isnull"}  # the bare path: all values (axes)


class ListedLookupsOnly(admin.ModelAdmin[Any]):
    """A changelist accepts the parameters of its listed filters and date links, nothing else."""

    def allowed_lookups(self, request: HttpRequest) -> set[str]:
        allowed: set[str] = set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                allowed.add(str(item.parameter_name))
            elif isinstance(item, str):
                allowed |= _field_filter_parameters(self.model, item)
            elif isinstance(item, (list, tuple)) and isinstance(item[0], str):
                allowed |= _field_filter_parameters(self.model, item[0])
            # Any other filter class accepts nothing here: its links answer 400 until listed.
        if self.date_hierarchy:
            allowed |= {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        return allowed

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup in self.allowed_lookups(request)


class GroupAdmin(ListedLookupsOnly, django.contrib.auth.admin.GroupAdmin):
    pass


class AccessAttemptAdmin(ListedLookupsOnly, axes.admin.AccessAttemptAdmin):  # type: ignore[misc]  # axes: no hints
    pass


class AccessLogAdmin(ListedLookupsOnly, axes.admin.AccessLogAdmin):  # type: ignore[misc]  # axes: no hints
    pass


class AccessFailureLogAdmin(ListedLookupsOnly, axes.admin.AccessFailureLogAdmin):  # type: ignore[misc]  # axes: no hints
    pass


for model, model_admin in (
    (Group, GroupAdmin),
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)

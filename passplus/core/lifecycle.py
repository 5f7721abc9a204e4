"""One way to move a model through its lifecycle: lock, check, change, audit, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from passplus.audit.models import record
from passplus.core.errors import TransitionError


class LifecycleModel(models.Model):
    """A model with a `status` TextChoices field whose changes go through `_move`."""

    status: Any

    class Meta:
        abstract = True

    def status_label(self, value: str | None = None) -> str:
        field = self._meta.get_field("status")
        choices = dict(getattr(field, "choices", None) or [])
        value = self.status if value is None else value
        return str(choices.get(value, value))

    def _move(
        self,
        to: str,
        *,
        allowed_from: Iterable[str],
        actor: Any,
        action: str,
        changes: dict[str, Any] | None = None,
        reason: str = "",
    ) -> None:
        """Move to `to` if the current state (read under a row lock) is in `allowed_from`.

        `changes` are other fields saved with the status. Raises TransitionError otherwise,
        leaving the database untouched.
        """
        allowed = set(allowed_from)
        with transaction.atomic():
            locked = type(self)._default_manager.select_for_update().get(pk=self.pk)
            if locked.status not in allowed:
                self.status = locked.status
                raise TransitionError(
                    f"Action impossible : « {self.status_label(locked.status)} » ne peut pas "
                    f"devenir « {self.status_label(to)} »."
                )
            before = {"status": locked.status}
            self.status = to
            fields = {"status": to, **(changes or {})}
            for name, value in fields.items():
                setattr(self, name, value)
            self.save(update_fields=list(fields))
            record(
                actor=actor,
                action=action,
                obj=self,
                before=before,
                after={"status": to},
                reason=reason,
            )

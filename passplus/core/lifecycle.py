"""One way to move a model through its lifecycle: check, change, audit, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from passplus.audit.models import record
from passplus.core.errors import TransitionError

if TYPE_CHECKING:
    from passplus.accounts.models import User


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
        actor: User | None,
        action: str,
        changes: dict[str, Any] | None = None,
        reason: str = "",
    ) -> None:
        """Move to `to` if the stored state is in `allowed_from`, and audit it, atomically.

        One conditional UPDATE (`WHERE status = <state last seen>`) in the common case, so two
        concurrent moves cannot both succeed; when the row changed since it was read, the stored
        state is read again under a row lock. `changes` are other fields saved with the status.
        Raises TransitionError otherwise, leaving the database untouched.
        """
        allowed = set(allowed_from)
        fields = {"status": to, **(changes or {})}
        manager = type(self)._default_manager
        before = self.status
        # No savepoint: a failed move raises only after the block, having written nothing.
        with transaction.atomic(savepoint=False):
            moved = before in allowed and manager.filter(pk=self.pk, **{"status": before}).update(
                **fields
            )
            if not moved:
                stored = manager.select_for_update().values_list("status", flat=True)  # type: ignore[misc]
                before = stored.get(pk=self.pk)
                moved = before in allowed and manager.filter(pk=self.pk).update(**fields)
            if moved:
                record(
                    actor=actor,
                    action=action,
                    obj=self,
                    before={"status": before},
                    after={"status": to},
                    reason=reason,
                )
        if not moved:
            self.status = before
            raise TransitionError(
                f"Action impossible : « {self.status_label(before)} » ne peut pas "
                f"devenir « {self.status_label(to)} »."
            )
        for name, value in fields.items():
            setattr(self, name, value)

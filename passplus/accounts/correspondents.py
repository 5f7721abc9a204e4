"""The correspondents a family or a club can contact, per commune (the directory's "Je ne
trouve pas le club…" block): cached, since they change rarely; a correspondent's change of what
they publish forgets their communes' entries at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from passplus.accounts.models import Role, User
from passplus.audit.models import record
from passplus.core.errors import DomainError
from passplus.core.shared_cache import cached, forget
from passplus.territory.models import Commune

# A change made elsewhere than through `forget_contacts` shows within this delay.
CONTACTS_CACHE_SECONDS = 300


def correspondent_contacts(commune: Commune | None) -> list[Commune]:
    """Communes and their active correspondents (`.people`), cached (read from the database
    when the cache does not answer)."""
    return cached(contacts_cache_key(commune), lambda: _contacts(commune), CONTACTS_CACHE_SECONDS)


def contacts_cache_key(commune: Commune | None) -> str:
    return f"directory:contacts:{commune.insee_code if commune else 'all'}"


def forget_contacts(communes: Iterable[Commune]) -> None:
    """A correspondent changed what they publish: their communes' blocks show it at once."""
    forget(contacts_cache_key(None), *(contacts_cache_key(c) for c in communes))


def correspondent_public_contact_set(*, correspondent: User, public_email: str) -> User:
    """Publish `public_email` (or nothing: blank) as the correspondent's address in the
    directory, audited when it changes; their communes' contact blocks show it at once.

    Only a correspondent publishes an address; an invalid address is refused, nothing saved.
    """
    if correspondent.role != Role.CORRESPONDENT:
        raise DomainError("Seul un correspondant publie une adresse dans l'annuaire.")
    address = public_email.strip().lower()
    try:
        User._meta.get_field("public_email").clean(address, correspondent)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=correspondent.pk)
        before = locked.public_email
        locked.public_email = address
        locked.save(update_fields=["public_email"])
        if address != before:
            record(
                actor=correspondent,
                action="user.public_contact",
                obj=locked,
                before={"public_email": before},
                after={"public_email": address},
            )
    correspondent.public_email = address
    forget_contacts(locked.communes.all())
    return locked


def _contacts(commune: Commune | None) -> list[Commune]:
    """Communes and their active correspondents (`.people`), for "Je ne trouve pas le club…":
    only the chosen commune when there is one (even without a correspondent), otherwise every
    commune that has one."""
    people = User.objects.filter(role=Role.CORRESPONDENT, is_active=True).order_by(
        "last_name", "first_name", "email"
    )
    if commune is not None:
        communes = Commune.objects.filter(pk=commune.pk)
    else:
        communes = Commune.objects.filter(correspondents__in=people).distinct()
    return list(
        communes.order_by("name").prefetch_related(
            Prefetch("correspondents", queryset=people, to_attr="people")
        )
    )

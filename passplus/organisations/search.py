"""Directory search: normalised search columns kept on each organisation, queried by the database.

Three text columns on `Organisation` hold its public words folded to lower-case ASCII (accents,
case, ligatures and punctuation removed), as " word word " (a space on each side):
`search_name` (displayed and legal names, acronym), `search_activities` (activity names, types,
places and descriptions) and `search_text` (all of the above, the description and the city).
A query is folded the same way; each of its words must start a word of `search_text`, so
"theatre" finds "Théâtre" and "foot" finds "Football" on SQLite and PostgreSQL alike. The
database's full-text index answers that test (full_text.py: FTS5 on SQLite, a GIN tsvector
index on PostgreSQL). Relevance is then computed by the database on the matches only: a word
found in the name counts 3, in an activity 2, elsewhere 1.

The columns are written by `Organisation.save()` (its own fields) and by a signal on every
activity save or delete (see models.py). Code that writes with `bulk_create`, `update()` or raw
SQL must call `rebuild_search_columns()` afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

from passplus.core.enums import Domain
from passplus.core.shared_cache import cached, forget
from passplus.organisations import full_text

if TYPE_CHECKING:
    from passplus.organisations.models import Activity, Organisation, OrganisationQuerySet
    from passplus.territory.models import Commune

# Organisation fields the search columns are made of: a save() that touches none of them
# leaves the columns alone (lifecycle moves save only their own fields).
OWN_SOURCE_FIELDS = frozenset({"public_name", "legal_name", "acronym", "description", "city"})
ACTIVITY_SOURCE_FIELDS = ("name", "activity_type", "place", "description")
SEARCH_COLUMNS = ("search_name", "search_activities", "search_text")
# The full-text column is cut to this many characters: the index (a tsvector on PostgreSQL,
# at most 1 MB) must never refuse a save, whatever a description holds.
SEARCH_TEXT_MAX_LENGTH = 20_000
# Short French words that would match almost every organisation: left out of queries.
STOP_WORDS = frozenset(
    "a au aux d de des du en et l la le les ou pour sur un une".split()  # noqa: SIM905
)
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
NON_WORD = re.compile(r"[\W_]+")
MAX_QUERY_WORDS = 8
NAME_WEIGHT, ACTIVITY_WEIGHT, OTHER_WEIGHT = 3, 2, 1
ACTIVITY_TYPES_CACHE_KEY = "directory:activity-types"
ACTIVITY_TYPES_CACHE_SECONDS = 300
COMMUNE_CHOICES_CACHE_KEY = "directory:commune-choices"
NO_PARTNER_MARK = " (aucun partenaire)"
NEAREST_COMMUNES = 3
# A French postcode typed in the search box: matched against communes and addresses, not words.
POSTCODE = re.compile(r"[0-9]{5}")


def normalise(*texts: str) -> str:
    """'Théâtre  d'Œuvre' -> ' theatre d oeuvre ' (lower-case ASCII words, spaces around)."""
    joined = " ".join(text for text in texts if text).casefold().translate(LIGATURES)
    decomposed = unicodedata.normalize("NFKD", joined)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = NON_WORD.sub(" ", bare).split()
    return f" {' '.join(words)} " if words else ""


def query_words(text: str) -> list[str]:
    """The words of a visitor's query that the search looks for (stop words dropped)."""
    words = [word for word in normalise(text).split() if word not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_QUERY_WORDS]


def own_search_columns(organisation: Any) -> dict[str, str]:
    """The name and full-text columns of an organisation (historical models accepted)."""
    return {
        "search_name": normalise(
            organisation.public_name, organisation.legal_name, organisation.acronym
        ),
        "search_text": bounded(
            normalise(
                organisation.public_name,
                organisation.legal_name,
                organisation.acronym,
                organisation.city,
                organisation.search_activities,
                organisation.description,
            )
        ),
    }


def bounded(folded: str) -> str:
    """A folded text cut to SEARCH_TEXT_MAX_LENGTH at a word's end (it keeps the space that
    ends every word, which the 'starts a word' test needs). Names and city come first, so only
    the end of very long descriptions is left out of the search."""
    if len(folded) <= SEARCH_TEXT_MAX_LENGTH:
        return folded
    cut = folded[:SEARCH_TEXT_MAX_LENGTH]
    return cut[: cut.rfind(" ") + 1]


def prepare_save(organisation: Organisation, kwargs: dict[str, Any]) -> None:
    """Called by Organisation.save(): refresh the columns when their source fields are saved.

    The activity words are read again from the activities (one query): an instance loaded
    before its activities changed must not write back stale words.
    """
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not OWN_SOURCE_FIELDS & set(update_fields):
        return
    if organisation.pk is not None and not organisation._state.adding:
        organisation.search_activities = normalise(
            *(
                value
                for row in organisation.activities.order_by("pk").values_list(
                    *ACTIVITY_SOURCE_FIELDS
                )
                for value in row
            )
        )
    for name, value in own_search_columns(organisation).items():
        setattr(organisation, name, value)
    if update_fields is not None:
        kwargs["update_fields"] = {*update_fields, *SEARCH_COLUMNS}


def rebuild_search_columns(
    organisation_model: type[models.Model],
    activity_model: type[models.Model],
    organisation_ids: Iterable[int] | None = None,
) -> int:
    """Recompute the search columns of the given organisations (all when None) in bulk.

    Takes the model classes so that a data migration can pass its historical models.
    Returns how many organisations were written.
    """
    organisations = organisation_model._default_manager.all()
    activities = activity_model._default_manager.all()
    if organisation_ids is not None:
        ids = list(organisation_ids)
        organisations = organisations.filter(pk__in=ids)
        activities = activities.filter(organisation_id__in=ids)
    words: dict[int, list[str]] = {}
    for organisation_id, *fields in activities.values_list(
        "organisation_id", *ACTIVITY_SOURCE_FIELDS
    ).order_by("organisation_id", "pk"):
        words.setdefault(organisation_id, []).extend(fields)
    changed = []
    organisation: Any
    for organisation in organisations.only(
        "pk", "public_name", "legal_name", "acronym", "description", "city"
    ).iterator(chunk_size=2000):
        organisation.search_activities = normalise(*words.get(organisation.pk, []))
        for name, value in own_search_columns(organisation).items():
            setattr(organisation, name, value)
        changed.append(organisation)
    organisation_model._default_manager.bulk_update(changed, SEARCH_COLUMNS, batch_size=500)
    return len(changed)


def refresh_after_activity_change(
    organisation_model: type[Organisation], activity_model: type[Activity], organisation_id: int
) -> None:
    """An activity was saved or deleted: its organisation's columns follow."""
    rebuild_search_columns(organisation_model, activity_model, [organisation_id])


def _communes(queryset: OrganisationQuerySet) -> type[Commune]:
    """The Commune model, reached from the organisations' relation (as `_activities`)."""
    model: type[Commune] = queryset.model._meta.get_field("commune").related_model  # type: ignore[assignment]
    return model


def postcode_filter(queryset: OrganisationQuerySet, postcode: str) -> Q:
    """Organisations whose commune has this postcode, or whose address carries it. The
    communes' postcodes are a JSON list (no `contains` lookup on SQLite): the territory's few
    dozen communes are read and tested here."""
    communes = [
        pk
        for pk, postcodes in _communes(queryset).objects.values_list("pk", "postcodes")
        if postcode in postcodes
    ]
    return Q(postcode=postcode) | Q(commune_id__in=communes)


def _activities(queryset: OrganisationQuerySet) -> type[Activity]:
    """The Activity model, reached from the organisations' own relation: this module sits
    below models.py (which calls it on every save), so it does not import it."""
    model: type[Activity] = queryset.model._meta.get_field("activities").related_model  # type: ignore[assignment]
    return model


def starts_a_word(column: str, word: str) -> GreaterThan:
    """`word` starts a word of the folded `column` (" word" is in " … word … "). A plain
    substring test — INSTR on SQLite, STRPOS on PostgreSQL — rather than LIKE: the columns are
    folded already, so LIKE's case-insensitive pattern matching is work for nothing (bench)."""
    return GreaterThan(StrIndex(column, Value(f" {word}")), 0)


def text_search(queryset: OrganisationQuerySet, text: str) -> OrganisationQuerySet:
    """Organisations whose public words start with every word of `text`, most relevant first
    (then by name). An empty query keeps every organisation, sorted by name."""
    words = query_words(text)
    for postcode in [word for word in words if POSTCODE.fullmatch(word)]:
        queryset = queryset.filter(postcode_filter(queryset, postcode))
        words.remove(postcode)
    if not words:
        return queryset.annotate(relevance=Value(0)).order_by("search_name", "pk")
    queryset = queryset.filter(full_text.starting_every_word(words))
    score: Any = Value(0)
    for word in words:
        score = score + Case(
            When(starts_a_word("search_name", word), then=Value(NAME_WEIGHT)),
            When(starts_a_word("search_activities", word), then=Value(ACTIVITY_WEIGHT)),
            default=Value(OTHER_WEIGHT),
            output_field=models.IntegerField(),
        )
    return queryset.annotate(relevance=score).order_by("-relevance", "search_name", "pk")


def activity_filter(
    queryset: OrganisationQuerySet,
    *,
    domain: str = "",
    activity_types: Iterable[str] = (),
    age: int | None = None,
) -> OrganisationQuerySet:
    """Organisations offering one activity that matches all of the given criteria.

    A domain alone also matches the organisation's own "sport" / "culture" flags (an
    organisation may not have described its activities yet).
    """
    types = list(activity_types)
    if not domain and not types and age is None:
        return queryset
    # One pass over the activities (not a correlated EXISTS per organisation).
    activities = _activities(queryset).objects.order_by()
    if domain:
        activities = activities.filter(domain=domain)
    if types:
        activities = activities.filter(activity_type__in=types)
    if age is not None:
        activities = activities.filter(
            Q(min_age__isnull=True) | Q(min_age__lte=age),
            Q(max_age__isnull=True) | Q(max_age__gte=age),
        )
    condition = Q(pk__in=activities.values("organisation_id"))
    if domain and not types and age is None:
        flag = "offers_sport" if domain == Domain.SPORT else "offers_culture"
        condition |= Q(**{flag: True})
    return queryset.filter(condition)


def activity_type_choices(queryset: OrganisationQuerySet) -> dict[str, tuple[str, list[str]]]:
    """The activity types of the given organisations, spellings grouped by their folded form:
    {'theatre': ('Théâtre', ['théâtre', 'Theatre'])}, sorted by label."""
    spellings = (
        _activities(queryset)
        .objects.filter(organisation__in=queryset.values("pk"))
        .exclude(activity_type="")
        .order_by()
        .values_list("activity_type", flat=True)
        .distinct()
    )
    grouped: dict[str, list[str]] = {}
    for spelling in spellings:
        key = normalise(spelling).strip()
        if key:
            grouped.setdefault(key, []).append(spelling)
    choices = {key: (label_of(variants), sorted(variants)) for key, variants in grouped.items()}
    return dict(sorted(choices.items(), key=lambda item: normalise(item[1][0])))


def directory_activity_types(listed: OrganisationQuerySet) -> dict[str, tuple[str, list[str]]]:
    """`activity_type_choices` of the listed organisations, cached: the directory's form needs
    it on every search. Forgotten when an activity or an organisation is saved; a lifecycle
    move (an UPDATE, no signal) shows after at most ACTIVITY_TYPES_CACHE_SECONDS."""
    return cached(
        ACTIVITY_TYPES_CACHE_KEY,
        lambda: activity_type_choices(listed),
        ACTIVITY_TYPES_CACHE_SECONDS,
    )


def forget_directory_activity_types() -> None:
    """An organisation or an activity changed: the cached types and communes follow."""
    forget(ACTIVITY_TYPES_CACHE_KEY)
    forget(COMMUNE_CHOICES_CACHE_KEY)


def partner_communes(listed: OrganisationQuerySet) -> set[str]:
    """INSEE codes of the communes with at least one listed organisation."""
    return set(listed.order_by().values_list("commune__insee_code", flat=True).distinct())


def directory_commune_choices(listed: OrganisationQuerySet) -> list[tuple[str, str]]:
    """(INSEE code, label) of every commune for the directory's filter: those with partners
    first, by name, then the others, by name and marked « (aucun partenaire) ». Cached like
    the activity types (forgotten with them)."""

    def choices() -> list[tuple[str, str]]:
        with_partners = partner_communes(listed)
        rows = list(_communes(listed).objects.order_by("name").values_list("insee_code", "name"))
        first = [(code, name) for code, name in rows if code in with_partners]
        others = [(code, f"{name}{NO_PARTNER_MARK}") for code, name in rows]
        return first + [row for row in others if row[0] not in with_partners]

    return cached(COMMUNE_CHOICES_CACHE_KEY, choices, ACTIVITY_TYPES_CACHE_SECONDS)


def postcode_distance(ours: list[str], theirs: list[str]) -> tuple[int, int]:
    """How far two communes are by postcode, until communes have coordinates (issue 40): the
    more leading digits in common the nearer, then the smaller numeric gap."""

    def common(a: str, b: str) -> int:
        return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))

    pairs = [(a, b) for a in ours for b in theirs if a.isdigit() and b.isdigit()]
    if not pairs:
        return (0, 10**6)
    return min((-common(a, b), abs(int(a) - int(b))) for a, b in pairs)


def nearest_communes_with_partners(
    commune: Commune, listed: OrganisationQuerySet, limit: int = NEAREST_COMMUNES
) -> list[Commune]:
    """The communes nearest `commune` (by postcode, see `postcode_distance`) that have listed
    organisations, `commune` itself left out."""
    candidates = (
        _communes(listed)
        .objects.filter(insee_code__in=partner_communes(listed))
        .exclude(pk=commune.pk)
    )
    ranked = sorted(
        candidates,
        key=lambda other: (postcode_distance(commune.postcodes, other.postcodes), other.name),
    )
    return ranked[:limit]


def label_of(spellings: list[str]) -> str:
    """The spelling to show: the most accented one ('théâtre' over 'theatre'), capitalised."""
    best = max(spellings, key=lambda spelling: (sum(not c.isascii() for c in spelling), spelling))
    return best[:1].upper() + best[1:]

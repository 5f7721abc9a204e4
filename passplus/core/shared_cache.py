"""The shared cache (Redis in production) when it does not answer: what each use does then.

Every use of the cache is one of two kinds (docs/operations.md, "Redis"):

- a copy of what the database holds (the directory's lists of communes, activity types and
  correspondents): read through `cached`, which computes the value from the database when the
  cache does not answer, and forgotten through `forget`, which lets an entry it cannot delete
  expire by itself (at most its timeout, a few minutes) — the feature works without Redis;
- a count that must hold (the password-reset limits): the caller catches `CACHE_ERRORS` and
  refuses with `UNAVAILABLE`, never letting a request through uncounted — the feature stays
  closed without Redis.

A Redis that hangs costs each call its socket timeout (one second, settings.py): after a
failure this process leaves the cache alone for SKIP_SECONDS, so a page that reads three cached
lists is not three seconds slower on every request. Sessions and django-axes' login counts are
in the database, not in the cache.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis
from django.core.cache import cache

logger = logging.getLogger(__name__)

# What the cache raises when Redis is unreachable, refuses the connection or times out.
CACHE_ERRORS: tuple[type[Exception], ...] = (redis.RedisError,)

UNAVAILABLE = "Service momentanément indisponible, réessayez dans quelques minutes."

# After a failure, `cached` and `forget` do without the cache for this long in this process.
SKIP_SECONDS = 30
_skip_until = 0.0


def _skipping() -> bool:
    return time.monotonic() < _skip_until


def reset_skipping() -> None:
    """Try the cache again at the next call (tests; a process that knows it is back)."""
    global _skip_until
    _skip_until = 0.0


def cached[T](key: str, compute: Callable[[], T], timeout: int) -> T:
    """The value cached under `key`, else `compute()`, cached for `timeout` seconds; when the
    cache does not answer, `compute()` (the database's answer, every time, until it is back)."""
    if _skipping():
        return compute()
    try:
        found: T | None = cache.get(key)
    except CACHE_ERRORS as error:
        _failed(error, "read", key)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as error:
        _failed(error, "write", key)
    return value


def forget(*keys: str) -> None:
    """Delete cached copies that changed. When the cache does not answer, an entry it still
    holds when it comes back (a restart keeps none; a network cut may) expires by its timeout."""
    if _skipping():
        return
    try:
        cache.delete_many(list(keys))
    except CACHE_ERRORS as error:
        _failed(error, "delete", ", ".join(keys))


def _failed(error: Exception, what: str, key: str) -> None:
    global _skip_until
    _skip_until = time.monotonic() + SKIP_SECONDS
    logger.warning(
        "Shared cache unreachable (%s): %s of %s done without it; not tried again for %s s",
        type(error).__name__,
        what,
        key,
        SKIP_SECONDS,
    )

"""Health of what the application stands on: the database, the shared cache, Redis, the disk
of the uploaded files."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from shutil import disk_usage

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.crypto import get_random_string

from passplus.health.outcomes import Outcome, error, ok, warning

# A round trip slower than this (database, cache, Redis) is worth a look.
SLOW_MS = 500
# Free space on the disk of MEDIA_ROOT, as a share of the disk.
DISK_WARNING_PERCENT = 10
DISK_ERROR_PERCENT = 2
# The Redis check never waits longer than this (the page must answer even when Redis hangs).
REDIS_TIMEOUT_SECONDS = 2


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _timed(label: str, elapsed_ms: float) -> Outcome:
    text = f"{label} en {elapsed_ms:.1f} ms".replace(".", ",")
    if elapsed_ms > SLOW_MS:
        return warning(f"{text} : lent, plus de {SLOW_MS} ms.", elapsed_ms)
    return ok(f"{text}.", elapsed_ms)


def database(now: dt.datetime) -> Outcome:
    """A `SELECT 1` round trip."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return _timed(f"Réponse de la base ({connection.vendor})", _elapsed_ms(started))


def shared_cache(now: dt.datetime) -> Outcome:
    """Write, read back and delete a key in the default cache (Redis, or the database table
    `passplus_cache` without REDIS_URL): the rate limits count there."""
    key = f"passplus:health:{get_random_string(12)}"
    expected = now.isoformat()
    started = time.perf_counter()
    cache.set(key, expected, timeout=60)
    read = cache.get(key)
    cache.delete(key)
    elapsed = _elapsed_ms(started)
    if read != expected:
        return error("Le cache n'a pas rendu la valeur écrite.", elapsed)
    backend = str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1]
    return _timed(f"Écriture et lecture d'une clé ({backend})", elapsed)


def redis_server(now: dt.datetime) -> Outcome:
    """PING the Redis of REDIS_URL, if one is configured (the cache check goes through
    Django; this one says whether Redis itself answers, with a short timeout)."""
    if not settings.REDIS_URL:
        return ok("Non configuré : le cache et les limites sont dans la base de données.")
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        started = time.perf_counter()
        client.ping()
        elapsed = _elapsed_ms(started)
    finally:
        client.close()
    return _timed("Réponse de Redis", elapsed)


def _existing(path: Path) -> Path:
    """The folder itself, or its nearest existing parent (MEDIA_ROOT is created on the first
    upload): the disk it will be on."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def media_disk(now: dt.datetime) -> Outcome:
    """Free space on the disk of MEDIA_ROOT (RIB documents, signed conventions, SEPA files)."""
    usage = disk_usage(_existing(Path(settings.MEDIA_ROOT)))
    percent = round(usage.free / usage.total * 100, 1) if usage.total else 0.0
    text = (
        f"{_gigabytes(usage.free)} Go libres sur {_gigabytes(usage.total)} Go "
        f"({percent:.1f} %)".replace(".", ",")
    )
    if percent < DISK_ERROR_PERCENT:
        return error(f"{text} : moins de {DISK_ERROR_PERCENT} % libres.", percent)
    if percent < DISK_WARNING_PERCENT:
        return warning(f"{text} : moins de {DISK_WARNING_PERCENT} % libres.", percent)
    return ok(f"{text}.", percent)


def _gigabytes(size: int) -> str:
    return f"{size / 1024**3:.1f}"

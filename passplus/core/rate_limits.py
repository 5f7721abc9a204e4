"""Request counters in Django's cache (Redis in production: shared by every process), for
limits that need no staff view (password-reset requests). Ticket look-up blocks are rows
instead (tickets/throttle.py) because staff list and lift them."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request for `key` in `scope`; False once more than `limit` were counted in
    the window (which starts with the first request). Atomic: `add` then `incr` are single
    operations in Redis and in the local-memory cache. Keys are hashed (no address in clear)."""
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()
    name = f"passplus:rate:{scope}:{digest}"
    cache.add(name, 0, timeout=window_seconds)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr: a new window starts
        cache.add(name, 1, timeout=window_seconds)
        count = 1
    return count <= limit

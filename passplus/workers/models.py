"""Models of passplus.workers."""

from __future__ import annotations

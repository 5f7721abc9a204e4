"""Models of passplus.scheduling."""

from __future__ import annotations

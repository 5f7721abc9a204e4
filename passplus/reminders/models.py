"""Models of passplus.reminders."""

from __future__ import annotations

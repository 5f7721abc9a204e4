"""Where the project is on disk (the tests read its README, scripts and sources)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

"""The SQL queries of one page, to check that a list page runs as many with few rows as with
many (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def page_queries(client: Client, url: str, params: dict[str, str] | None = None) -> list[str]:
    """The SQL of one GET of `url` answered 200, its body read (a streamed CSV's too)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        assert response.status_code == 200, response.status_code
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return [query["sql"] for query in captured.captured_queries]


def queries_few_and_many(
    client: Client,
    url: str,
    add_rows: Callable[[int], Any],
    *,
    few: int,
    many: int,
    params: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """The queries of `url` once `add_rows(few)` made its rows, then once `add_rows(many - few)`
    added the others. A first GET beforehand: what a session does once is not counted."""
    client.get(url, params or {})
    add_rows(few)
    with_few = page_queries(client, url, params)
    add_rows(many - few)
    with_many = page_queries(client, url, params)
    return with_few, with_many

"""Test helpers: parse HTML instead of grepping it, run queued tasks synchronously."""

from __future__ import annotations

from bs4 import BeautifulSoup
from django.http import HttpResponse
from django_tasks_db.management.commands.db_worker import Worker


def parse_html(response: HttpResponse | str) -> BeautifulSoup:
    content = response if isinstance(response, str) else response.content.decode()
    return BeautifulSoup(content, "html.parser")


def text_of(soup: BeautifulSoup, selector: str) -> str:
    """The whitespace-normalised text of the first element matching `selector`."""
    element = soup.select_one(selector)
    assert element is not None, f"no element matches {selector!r}"
    return " ".join(element.get_text(" ").split())


def run_queued_tasks() -> None:
    """Run every ready task now, in this process (what `make worker` does continuously)."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    ).run()

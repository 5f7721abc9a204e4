"""Nothing secret waits in the task queue in clear (docs/design.md §5): every kind of task the code
defines is enqueued through its real code path, then no stored argument or result holds a link,
a token, a one-time code, or the text of an e-mail."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from passplus.notifications import sms
from tests.helpers.task_triggers import EXTRA_TRIGGERS, TRIGGERS
from tests.helpers.tasks import defined_tasks, run_queued_tasks

pytestmark = pytest.mark.django_db


def test_the_triggers_cover_every_kind_of_task_the_code_defines() -> None:
    assert set(TRIGGERS) == defined_tasks()


def secrets_sent() -> tuple[set[str], set[str]]:
    """(links, tokens and codes; text excerpts) of everything e-mailed or texted."""
    secrets: set[str] = set()
    excerpts: set[str] = set()
    for message in mail.outbox:
        alternatives = getattr(message, "alternatives", [])
        bodies = [message.body] + [str(alternative[0]) for alternative in alternatives]
        for body in bodies:
            for link in re.findall(r"https?://[^\s\"'<>]+", body):
                path = re.sub(r"^https?://[^/]+", "", link.rstrip(".,;:)"))
                tokens = [part for part in path.split("/") if len(part) >= 20]
                if tokens:  # a link that opens something by itself (invitation, reset)
                    secrets.update([link, path, *tokens])
        lines = [line.strip() for line in message.body.splitlines() if len(line.strip()) > 30]
        excerpts.update(lines)
        excerpts.add(message.subject)
    for text in (message.text for message in sms.outbox):
        secrets.update(re.findall(r"\b\d{6}\b", text))
        excerpts.add(text)
    return secrets, excerpts


def test_no_task_argument_or_result_holds_a_link_token_code_or_message_text(
    client: Client,
) -> None:
    triggers = list(dict.fromkeys([*TRIGGERS.values(), *EXTRA_TRIGGERS]))
    for trigger in triggers:
        trigger(client)
    run_queued_tasks()

    assert set(DBTaskResult.objects.values_list("task_path", flat=True)) >= set(TRIGGERS)
    secrets, excerpts = secrets_sent()
    links = [secret for secret in secrets if secret.startswith("/")]
    assert any("/mot-de-passe/nouveau/" in link for link in links)  # the reset was sent
    assert any("/invitation/" in link for link in links)  # so were the invitations
    assert len([s for s in secrets if re.fullmatch(r"\d{6}", s)]) >= 2  # and the SMS codes
    assert any("a été modifié" in excerpt for excerpt in excerpts)  # and a password-change notice
    for result in DBTaskResult.objects.all():
        stored = json.dumps([result.args_kwargs, result.return_value], ensure_ascii=False)
        assert settings.SITE_URL not in stored, result.task_path
        assert "/mot-de-passe/nouveau/" not in stored
        assert "/invitation/" not in stored
        for secret in secrets:
            assert secret not in stored, (result.task_path, secret)
        for excerpt in excerpts:
            assert excerpt not in stored, (result.task_path, excerpt)

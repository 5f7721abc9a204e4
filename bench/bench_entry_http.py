"""Ticket entry through the real HTTP stack: gunicorn (2 sync workers), sessions, CSRF, the
look-up (number + birth date) and the confirmation, against a throwaway SQLite file database.

Measured: complete entries per second (POST look-up → 302, POST confirmation → 302), by 4
client threads on keep-alive connections. Baseline, in the same run against the same server:
GET /sante/ without cookies (the cheapest request the stack serves: routing, middleware, one
SELECT 1).
Ratio = entries per second / baseline requests per second (goal: ≥ 0.5). Both ends run on
this machine, so read the ratio, not the absolute figures.

For context, two partner pages are measured in the same run: the empty entry form (session,
user and organisation loaded, a form rendered: the floor of any page of the partner space) and
the list of entries (400 rows, 50 a page, totals per state).
"""

import datetime as dt
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from bootstrap import ROOT, start

# BENCH_DATABASE_URL=postgres://… runs it on an (empty, throwaway) PostgreSQL database instead.
TMP = start(
    prefix="passplus-bench-http-",
    database_url=os.environ.get("BENCH_DATABASE_URL"),
    DEBUG="False",
    SECRET_KEY=secrets.token_urlsafe(40),
    ALLOWED_HOSTS="127.0.0.1",
    SECURE_SSL_REDIRECT="False",
    SESSION_COOKIE_SECURE="False",
    CSRF_COOKIE_SECURE="False",
    PASSPLUS_LOOKUP_MAX_FAILURES="1000000",
    STATIC_ROOT="{tmp}/static",  # pages need the hashed static files (DEBUG off)
)

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from passplus.accounts.backends import BACKEND_PATH  # noqa: E402
from passplus.accounts.models import Role, User  # noqa: E402
from passplus.campaigns.models import SchoolYear  # noqa: E402
from passplus.organisations.enums import LegalForm, OrganisationStatus  # noqa: E402
from passplus.organisations.models import Organisation  # noqa: E402
from passplus.pupils.models import Family, Pupil, SchoolClass, Wallet  # noqa: E402
from passplus.territory.models import Commune  # noqa: E402
from passplus.tickets.models import Redemption, Ticket  # noqa: E402
from passplus.tickets.numbers import generate_ticket_number  # noqa: E402

THREADS = 4
ENTRIES = 400
BASELINE_REQUESTS = 2000
PAGE_REQUESTS = 400
ENTRY_FORM = "/espace-affilie/tickets/saisir/"
ENTRY_LIST = "/espace-affilie/saisies/"
BIRTH = dt.date(2013, 4, 12)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build() -> tuple[list[str], list[str]]:
    """One affiliated organisation with one session per client thread; ENTRIES tickets."""
    today = dt.date.today()
    year = SchoolYear.objects.create(
        label="bench",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300),
        generation_deadline=today + dt.timedelta(days=200),
        redemption_deadline=today + dt.timedelta(days=250),
    )
    organisation = Organisation.objects.create(
        status=OrganisationStatus.AFFILIATED,
        legal_name="CLUB DE BENCH",
        legal_form=LegalForm.ASSOCIATION,
        creation_date=dt.date(2000, 1, 1),
        offers_sport=True,
        commune=Commune.objects.first(),
    )
    family = Family.objects.create(parent_name="Famille Bench", email="bench@example.fr")
    pupil = Pupil.objects.create(
        family=family,
        first_name="Léa",
        last_name="Bench",
        birth_date=BIRTH,
        college="Collège",
        school_class=SchoolClass.SIXIEME,
    )
    wallet = Wallet.objects.create(pupil=pupil, school_year=year, granted_cents=ENTRIES * 100)
    numbers = [generate_ticket_number() for _ in range(ENTRIES)]
    Ticket.objects.bulk_create(
        Ticket(number=number, wallet=wallet, amount_cents=100) for number in numbers
    )
    sessions = []
    for index in range(THREADS):
        user = User.objects.create_user(
            f"desk{index}@bench.fr", role=Role.ORGANISATION, organisation=organisation
        )
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = BACKEND_PATH
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return numbers, sessions


class Desk:
    """One client: a keep-alive connection, a session cookie and a CSRF token."""

    def __init__(self, port: int, session_key: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token = secrets.token_hex(16)  # a 32-character CSRF secret of our own
        self.headers = {
            "Cookie": f"sessionid={session_key}; csrftoken={self.token}",
            "X-CSRFToken": self.token,
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, signed_in: bool = True
    ) -> int:
        payload = urlencode(body) if body is not None else None
        headers = self.headers if signed_in else {}
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def enter(self, number: str) -> None:
        form = {"number": number, "birth_date": "12/04/2013"}
        status = self.request("POST", "/espace-affilie/tickets/saisir/", form)
        assert status == 302, f"look-up answered {status}"
        status = self.request("POST", "/espace-affilie/tickets/confirmer/", {"activity": ""})
        assert status == 302, f"confirmation answered {status}"


def run_clients(work: list[str], desks: list[Desk], action: str) -> float:
    chunks = [work[index :: len(desks)] for index in range(len(desks))]

    failures: list[BaseException] = []

    def worker(desk: Desk, items: list[str]) -> None:
        try:
            work(desk, items)
        except BaseException as error:  # reported by the main thread, not lost in the thread
            failures.append(error)

    def work(desk: Desk, items: list[str]) -> None:
        for item in items:
            if action == "baseline":
                # As a load balancer asks: without the session cookie, which would make the
                # session rule (accounts/sessions.py) load the session and the user.
                assert desk.request("GET", "/sante/", signed_in=False) == 200
            elif action.startswith("/"):
                assert desk.request("GET", action) == 200, action
            else:
                desk.enter(item)

    threads = [
        threading.Thread(target=worker, args=pair) for pair in zip(desks, chunks, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return elapsed


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    numbers, sessions = build()
    port = free_port()
    # The server's log lines (one JSON line per request when DEBUG is False) go to a file, as
    # they would to the journal: their cost is part of what is measured.
    server_log = open(TMP / "gunicorn.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn
        [
            sys.executable, "-m", "gunicorn", "passplus.wsgi", "--workers", "2",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        desks = [Desk(port, key) for key in sessions]
        run_clients(["warm"] * 40, desks, "baseline")  # warm both workers up
        baseline = run_clients(["x"] * BASELINE_REQUESTS, desks, "baseline")
        entry_form = run_clients(["x"] * PAGE_REQUESTS, desks, ENTRY_FORM)
        entries = run_clients(numbers, desks, "entry")
        entry_list = run_clients(["x"] * PAGE_REQUESTS, desks, ENTRY_LIST)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        server_log.close()
    assert Redemption.objects.count() == ENTRIES
    baseline_rate = BASELINE_REQUESTS / baseline
    entry_rate = ENTRIES / entries
    engine = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite (WAL)"
    print(f"gunicorn 2 workers, {THREADS} client threads, throwaway {engine} database")
    print(f"  baseline: GET /sante/                     {baseline_rate:8.1f} req/s   x 1.00")
    print(
        f"  ticket entry (look-up + confirmation)      {entry_rate:8.1f} entries/s "
        f"x {entry_rate / baseline_rate:.2f}"
    )
    print(f"  goal: at least x 0.50; {entries / ENTRIES * 1000:.1f} ms per entry")
    with open(server_log.name, "rb") as written:
        print(f"  server log: {sum(1 for _ in written)} lines")
    requests_rate = 2 * entry_rate
    print("context: the entry's two requests against partner pages of the same server")
    for label, seconds in (("GET entry form", entry_form), ("GET list of entries", entry_list)):
        rate = PAGE_REQUESTS / seconds
        print(
            f"  {label:<22} {rate:8.1f} req/s (x {rate / baseline_rate:.2f}); look-up/confirmation"
            f" requests {requests_rate:6.1f} req/s = x {requests_rate / rate:.2f} of it"
        )


if __name__ == "__main__":
    main()

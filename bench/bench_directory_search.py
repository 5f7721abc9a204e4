"""Directory search: p50 / p95 of realistic searches over 5,000 listed organisations.

Each search is a full GET of /annuaire/ through Django's test Client, in this process:
middleware, form validation, the search and count queries, the activities of the page,
the correspondents block and the template. The mix: free text (accents or not, one or two
words), commune, domain, activity type, age, and combinations, on pages 1 and 2.
Baseline, measured in the same run: `Organisation.objects.get(pk=…)`, a primary-key fetch
of one row. The ratio says how many such fetches one search costs; the goal is absolute
(p95 at most 30 ms), printed beside it. The database is a throwaway SQLite file.
"""

import os
import random
import statistics
import time
import warnings

from bootstrap import start

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic
start(ALLOWED_HOSTS="testserver")

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from passplus.accounts.models import Role, User  # noqa: E402
from passplus.core.enums import Domain  # noqa: E402
from passplus.organisations.enums import LegalForm, OrganisationStatus  # noqa: E402
from passplus.organisations.models import Activity, Organisation  # noqa: E402
from passplus.organisations.search import rebuild_search_columns  # noqa: E402
from passplus.territory.models import Commune  # noqa: E402

N = int(os.environ.get("BENCH_ORGANISATIONS", "5000"))
REQUESTS = 400
GOAL_MS = 30.0
KINDS = [
    ("Football Club", Domain.SPORT, "football"),
    ("Judo Club", Domain.SPORT, "judo"),
    ("Cercle d'escrime", Domain.SPORT, "escrime"),
    ("Natation", Domain.SPORT, "natation"),
    ("Basket Ball", Domain.SPORT, "basket"),
    ("Tennis Club", Domain.SPORT, "tennis"),
    ("Conservatoire", Domain.CULTURE, "musique"),
    ("Théâtre des jeunes", Domain.CULTURE, "théâtre"),
    ("École de danse", Domain.CULTURE, "danse"),
    ("Atelier d'arts plastiques", Domain.CULTURE, "arts plastiques"),
    ("Club d'échecs", Domain.CULTURE, "échecs"),
    ("Maison de la musique", Domain.CULTURE, "musique"),
]
WORDS = [
    "loisir",
    "compétition",
    "initiation",
    "perfectionnement",
    "stage",
    "mercredi",
    "samedi",
    "vacances",
]


def build() -> list[str]:
    """N organisations (95 % listed) with 1 to 3 activities each; returns the INSEE codes."""
    rng = random.Random(92)
    communes = list(Commune.objects.all())
    organisations = []
    for index in range(N):
        kind, domain, _ = KINDS[index % len(KINDS)]
        commune = communes[index % len(communes)]
        status = OrganisationStatus.AFFILIATED if index % 20 else OrganisationStatus.SUSPENDED
        organisations.append(
            Organisation(
                status=status,
                legal_name=f"{kind} {commune.name} {index}".upper(),
                public_name=f"{kind} de {commune.name} {index}",
                legal_form=LegalForm.ASSOCIATION,
                creation_date=dt.date(2000, 1, 1),
                offers_sport=domain == Domain.SPORT,
                offers_culture=domain == Domain.CULTURE,
                commune=commune,
                description=f"{kind} ouvert aux collégiens : " + " ".join(rng.sample(WORDS, 3)),
                street=f"{index % 90 + 1} rue de la République",
                postcode=commune.postcodes[0],
                city=commune.name,
                public_phone="01 47 00 00 00",
            )
        )
    Organisation.objects.bulk_create(organisations, batch_size=500)
    activities = []
    for organisation in Organisation.objects.only("pk", "offers_sport"):
        for _ in range(rng.randint(1, 3)):
            name, domain, activity_type = rng.choice(KINDS)
            low = rng.choice([None, 6, 8, 11, 12])
            activities.append(
                Activity(
                    organisation=organisation,
                    name=f"{name} {rng.choice(WORDS)}",
                    domain=domain,
                    activity_type=activity_type,
                    place="Gymnase municipal",
                    min_age=low,
                    max_age=None if low is None else low + rng.choice([3, 5, 8]),
                )
            )
    Activity.objects.bulk_create(activities, batch_size=1000)
    rebuild_search_columns(Organisation, Activity)  # bulk_create bypasses save() and signals
    for commune in communes[:20]:
        user = User.objects.create(
            email=f"correspondant@{commune.insee_code}.example.fr", role=Role.CORRESPONDENT
        )
        user.communes.add(commune)
    return [commune.insee_code for commune in communes]


def searches(codes: list[str]) -> list[dict[str, str]]:
    return [
        {"q": "theatre"},
        {"q": "Théâtre"},
        {"q": "judo club"},
        {"q": "foot", "page": "2"},
        {"q": "musique", "age": "12"},
        {"commune": codes[3]},
        {"commune": codes[7], "domain": "sport"},
        {"domain": "culture", "age": "13"},
        {"activity_type": "escrime", "age": "11"},
        {"q": "danse mercredi", "commune": codes[1]},
        {"q": "stage", "domain": "sport", "age": "14", "page": "2"},
        {},
    ]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    call_command("migrate", verbosity=0)
    codes = build()
    settings.DEBUG = False  # no query log (the static files storage stays the plain one)
    client = Client()
    mix = searches(codes)
    pks = list(Organisation.objects.values_list("pk", flat=True))
    for params in mix:  # warm-up: templates compiled, caches filled
        assert client.get("/annuaire/", params).status_code == 200

    baseline: list[float] = []
    timings: list[float] = []
    floor: list[float] = []
    for round_number in range(REQUESTS):
        if round_number % 4 == 0:  # the same stack without a search: a static help page
            start = time.perf_counter()
            assert client.get("/aide/").status_code == 200
            floor.append(time.perf_counter() - start)
        start = time.perf_counter()
        Organisation.objects.get(pk=pks[round_number * 7 % len(pks)])
        baseline.append(time.perf_counter() - start)
        params = mix[round_number % len(mix)]
        start = time.perf_counter()
        response = client.get("/annuaire/", params)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200

    # The search alone, as the view runs it, without the HTTP stack and the page's template:
    # form validation, the count, the page of results with their activities.
    from django.http import QueryDict

    from passplus.www.public.directory import PAGE_SIZE, result_page
    from passplus.www.public.directory_forms import DirectorySearchForm

    search_only: list[float] = []
    for round_number in range(REQUESTS):
        query = QueryDict(mutable=True)
        query.update(mix[round_number % len(mix)])
        start = time.perf_counter()
        listed = Organisation.objects.listed()
        form = DirectorySearchForm(query or None, listed=listed)
        page = result_page(form, listed, query.get("page"))
        assert len(page.object_list) <= PAGE_SIZE and page.paginator.count >= 0
        search_only.append(time.perf_counter() - start)

    base = statistics.median(baseline)
    listed = Organisation.objects.listed().count()
    print(
        f"{listed} listed organisations ({N} in all), {Activity.objects.count()} activities, "
        f"{REQUESTS} searches ({len(mix)} kinds), throwaway SQLite database, in-process Client"
    )
    print(f"  baseline: pk fetch (median)  {base * 1e3:7.3f} ms")
    for label, fraction in [("p50", 0.5), ("p95", 0.95)]:
        value = percentile(timings, fraction)
        print(f"  search {label}                 {value * 1e3:7.3f} ms   x {value / base:.1f}")
    for label, fraction in [("p50", 0.5), ("p95", 0.95)]:
        value = percentile(search_only, fraction)
        print(f"  search alone {label}           {value * 1e3:7.3f} ms   x {value / base:.1f}")
    help_page = statistics.median(floor)
    print(f"  for scale: GET /aide/ (median)  {help_page * 1e3:7.3f} ms   x {help_page / base:.1f}")
    for label, samples in [("search alone", search_only), ("whole page", timings)]:
        p95_ms = percentile(samples, 0.95) * 1e3
        verdict = "met" if p95_ms <= GOAL_MS else "NOT met"
        print(f"  goal: p95 <= {GOAL_MS:.0f} ms, {label}: {verdict} ({p95_ms:.1f} ms)")
    # How fast this machine runs plain Python, to compare figures between machines.
    start = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    print(f"  machine: 10 million Python additions in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()

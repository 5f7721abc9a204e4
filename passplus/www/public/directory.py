"""The public directory of partner organisations: search, one page per organisation, and the
same listing as open data (CSV for French Excel, JSON). Only listed organisations
(`Organisation.objects.listed()`) and only their public fields ever leave these views."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import phonenumbers
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from passplus.accounts.correspondents import correspondent_contacts
from passplus.core.enums import Domain
from passplus.core.exports import cell, csv_lines
from passplus.organisations.models import Activity, Organisation, OrganisationQuerySet
from passplus.organisations.search import nearest_communes_with_partners
from passplus.territory.models import Commune
from passplus.www.public.directory_forms import DirectorySearchForm

PAGE_SIZE = 20
CARD_FIELDS = (
    "id",
    "public_name",
    "legal_name",
    "city",
    "offers_sport",
    "offers_culture",
    "commune__name",
)
CARD_ACTIVITY_FIELDS = ("id", "organisation_id", "name", "min_age", "max_age")
# Sent by static/js/directory.js: answer with the results block only.
PARTIAL_HEADER = "X-Requested-With"
CSV_HEADER = [
    "Nom",
    "Commune",
    "Code INSEE",
    "Adresse",
    "Code postal",
    "Ville",
    "Contact",
    "Téléphone",
    "E-mail",
    "Site internet",
    "Domaines",
    "Activités",
    "Description",
    "Page de l'annuaire",
]


def with_activities(organisations: OrganisationQuerySet) -> OrganisationQuerySet:
    return organisations.select_related("commune").prefetch_related(
        Prefetch("activities", queryset=Activity.objects.order_by("name", "pk"))
    )


def as_cards(organisations: OrganisationQuerySet) -> OrganisationQuerySet:
    """Only what a result card shows: fewer columns to compile, fetch and build (bench)."""
    return (
        organisations.select_related("commune")
        .only(*CARD_FIELDS)
        .prefetch_related(
            Prefetch(
                "activities",
                queryset=Activity.objects.only(*CARD_ACTIVITY_FIELDS).order_by("name", "pk"),
            )
        )
    )


def result_page(
    form: DirectorySearchForm, listed: OrganisationQuerySet, number: Any
) -> Page[Organisation]:
    """The page of result cards asked for, and the number of results.

    Words and activity criteria make the database test every listed organisation: then the
    ids of all the matches are read in one query (relevance order), counted in Python, and
    only the page's cards are loaded by id — one scan instead of Django's two (COUNT, then
    the page). Without them, the count and the page come from an index, Django's way is best.
    """
    matching = form.apply(listed)
    if not form.scans_every_organisation():
        return Paginator(as_cards(matching), PAGE_SIZE).get_page(number)
    ids = Paginator(list(matching.values_list("pk", flat=True)), PAGE_SIZE).get_page(number)
    rank = {pk: position for position, pk in enumerate(ids.object_list)}
    cards = as_cards(Organisation.objects.filter(pk__in=ids.object_list).order_by())
    in_order = sorted(cards, key=lambda organisation: rank[organisation.pk])
    # The ids' paginator serves for the count and the page numbers only: the page holds cards.
    return Page(in_order, ids.number, cast("Paginator[Organisation]", ids.paginator))


def directory(request: HttpRequest) -> HttpResponse:
    """Search the partners; the URL carries the search, so it can be shared and bookmarked."""
    listed = Organisation.objects.listed()
    form = DirectorySearchForm(request.GET or None, listed=listed)
    page = result_page(form, listed, request.GET.get("page"))
    commune = form.criteria().get("commune")
    query = form.query_string()
    context = {
        "form": form,
        "page": page,
        "query": query,
        "page_query": f"{query}&" if query else "",
        "commune": commune,
        "filters_in_use": any(name != "q" for name in form.criteria()),
        "contacts": correspondent_contacts(commune),
        "nearby": nearby_links(form, commune, listed) if not page.object_list else [],
    }
    partial = request.headers.get(PARTIAL_HEADER) == "fetch"
    template = "public/directory.html#results" if partial else "public/directory.html"
    response = render(request, template, context)
    patch_vary_headers(response, [PARTIAL_HEADER])
    return response


def nearby_links(
    form: DirectorySearchForm, commune: Commune | None, listed: OrganisationQuerySet
) -> list[tuple[Commune, str]]:
    """No result in the chosen commune: the nearest communes with partners, each with the
    same search there (the other criteria kept)."""
    if commune is None:
        return []
    links = []
    for other in nearest_communes_with_partners(commune, listed):
        query = QueryDict(form.query_string(), mutable=True)
        query["commune"] = other.insee_code
        links.append((other, query.urlencode()))
    return links


def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    """One partner's public page (404 unless it is listed)."""
    found = get_object_or_404(with_activities(Organisation.objects.listed()), pk=pk)
    return render(
        request,
        "public/organisation.html",
        {
            "organisation": found,
            "phone": phone_link(found.public_phone),
            "commune_query": f"commune={found.commune.insee_code}",
        },
    )


def phone_link(value: str) -> dict[str, str] | None:
    """{'href': 'tel:+33147000000', 'display': '01 47 00 00 00'}, or None without a number."""
    if not value.strip():
        return None
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        digits = "".join(char for char in value if char.isdigit() or char == "+")
        return {"href": f"tel:{digits}", "display": value}
    return {
        "href": "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        "display": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
    }


# Open data ------------------------------------------------------------------------------------


def searched(request: HttpRequest) -> tuple[DirectorySearchForm, OrganisationQuerySet]:
    listed = Organisation.objects.listed()
    form = DirectorySearchForm(request.GET or None, listed=listed)
    return form, with_activities(form.apply(listed))


def public_record(organisation: Organisation, page_url: str) -> dict[str, Any]:
    """What the open data says about one organisation: its public card, nothing else."""
    commune = organisation.commune
    return {
        "id": organisation.pk,
        "nom": organisation.display_name,
        "commune": {"code_insee": commune.insee_code, "nom": commune.name},
        "adresse": organisation.street,
        "code_postal": organisation.postcode,
        "ville": organisation.city or commune.name,
        "contact": organisation.public_contact_name,
        "telephone": organisation.public_phone,
        "email": organisation.public_email,
        "site_internet": organisation.website,
        "domaines": [str(Domain(domain).label) for domain in organisation.domains],
        "description": organisation.description,
        "activites": [
            {
                "nom": activity.name,
                "domaine": activity.get_domain_display(),
                "type": activity.activity_type,
                "lieu": activity.place,
                "age_minimum": activity.min_age,
                "age_maximum": activity.max_age,
            }
            for activity in organisation.activities.all()
        ],
        "page": page_url,
    }


def page_url(request: HttpRequest, pk: int) -> str:
    return request.build_absolute_uri(reverse("public:organisation", args=[pk]))


def invalid_search(form: DirectorySearchForm) -> dict[str, list[str]]:
    return {name: [str(message) for message in errors] for name, errors in form.errors.items()}


def directory_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The listing as CSV for French Excel (BOM, `;`, neutralised cells), one line per partner."""
    form, organisations = searched(request)
    if form.is_bound and not form.is_valid():
        lines = [
            f"{form.fields[name].label} : {' '.join(messages)}"
            for name, messages in invalid_search(form).items()
        ]
        return HttpResponse(
            "Recherche invalide.\n" + "\n".join(lines),
            status=400,
            content_type="text/plain; charset=utf-8",
        )

    def rows() -> Iterator[list[str]]:
        for organisation in organisations.iterator(chunk_size=500):
            record = public_record(organisation, page_url(request, organisation.pk))
            activities = " | ".join(
                ", ".join(filter(None, [a.name, a.activity_type, a.ages_label, a.place]))
                for a in organisation.activities.all()
            )
            yield [
                cell(value)
                for value in (
                    record["nom"],
                    record["commune"]["nom"],
                    record["commune"]["code_insee"],
                    record["adresse"],
                    record["code_postal"],
                    record["ville"],
                    record["contact"],
                    record["telephone"],
                    record["email"],
                    record["site_internet"],
                    ", ".join(record["domaines"]),
                    activities,
                    record["description"],
                    record["page"],
                )
            ]

    response = StreamingHttpResponse(
        csv_lines(CSV_HEADER, rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="annuaire-partenaires.csv"'
    return response


def directory_json(request: HttpRequest) -> JsonResponse:
    """The listing as JSON: {"nombre": n, "organismes": [...]}, same filters and order."""
    form, organisations = searched(request)
    if form.is_bound and not form.is_valid():
        return JsonResponse(
            {"erreur": "Recherche invalide.", "champs": invalid_search(form)},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    records = [
        public_record(organisation, page_url(request, organisation.pk))
        for organisation in organisations.iterator(chunk_size=500)
    ]
    return JsonResponse(
        {"nombre": len(records), "organismes": records},
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )

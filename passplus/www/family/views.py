from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passplus.accounts.access import family_required
from passplus.pupils.models import Pupil, SchoolYear, Wallet
from passplus.tickets.models import Ticket


@family_required
def home(request: HttpRequest) -> HttpResponse:
    year = SchoolYear.objects.current()
    wallets = (
        Wallet.objects.filter(school_year=year)
        .with_balance()
        .prefetch_related(
            Prefetch(
                "tickets", queryset=Ticket.objects.prefetch_related("redemptions__organisation")
            )
        )
    )
    pupils = Pupil.objects.of_family_user(request.user).prefetch_related(
        Prefetch("wallets", queryset=wallets, to_attr="year_wallets")
    )
    return render(request, "family/home.html", {"year": year, "pupils": pupils})

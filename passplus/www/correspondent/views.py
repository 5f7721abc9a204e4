from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from passplus.accounts.access import correspondent_required
from passplus.organisations.models import Organisation


@correspondent_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "correspondent/home.html",
        {
            "communes": user.communes.all(),  # type: ignore[union-attr]
            "organisations": Organisation.objects.for_correspondent(user).select_related("commune"),
        },
    )

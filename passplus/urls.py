from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# Django's admin (a power tool for `admin` users) also requires the second factor.
admin.site.__class__ = OTPAdminSite


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers and crawlers ask for /favicon.ico whatever the page says. Resolved per request:
    the hashed name exists only once `collectstatic` has run."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("", include("passplus.www.public.urls")),
    path("sante/", include("passplus.www.backoffice.health_urls")),
    path("compte/", include("passplus.accounts.urls")),
    path("espace-affilie/", include("passplus.www.partner.urls")),
    path("espace-correspondant/", include("passplus.www.correspondent.urls")),
    path("espace-famille/", include("passplus.www.family.urls")),
    path("gestion/", include("passplus.www.backoffice.urls")),
    path("django-admin/", admin.site.urls),
    path("favicon.ico", favicon),
]

# Uploaded files (RIB, signed conventions, SEPA files) are private: never served from
# MEDIA_URL, only through views that check who asks.

handler500 = "passplus.www.public.error_pages.server_error"

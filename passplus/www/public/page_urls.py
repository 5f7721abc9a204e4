"""Public information pages (included by passplus.www.public.urls, namespace `public`)."""

from django.urls import path

from passplus.www.public import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("aide/", pages.help_page, name="help"),
    path("aide/familles/", pages.help_families, name="help_families"),
    path("aide/partenaires/", pages.help_partners, name="help_partners"),
    path("reglement/", pages.rules, name="rules"),
    path("mentions-legales/", pages.legal_notices, name="legal_notices"),
    path("confidentialite/", pages.privacy, name="privacy"),
    path("accessibilite/", pages.accessibility, name="accessibility"),
    path("plan-du-site/", pages.site_map, name="site_map"),
]

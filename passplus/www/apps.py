from django.apps import AppConfig


class WwwConfig(AppConfig):
    """What every space's pages share: the `passplus` template tag library
    (`{% load passplus %}`) and the dashboards' page helpers. Each space is its own app below."""

    name = "passplus.www"
    label = "www"
    verbose_name = "Présentation"

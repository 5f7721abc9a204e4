from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "passplus.territory"
    label = "territory"
    verbose_name = "Territoire"

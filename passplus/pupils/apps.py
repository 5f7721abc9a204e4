from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "passplus.pupils"
    label = "pupils"
    verbose_name = "Collégiens et crédits"

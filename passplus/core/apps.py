from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "passplus.core"
    label = "core"
    verbose_name = "Socle"

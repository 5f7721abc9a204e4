from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "passplus.workers"
    label = "workers"
    verbose_name = "Travail en arrière-plan"

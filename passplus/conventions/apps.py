from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "passplus.conventions"
    label = "conventions"
    verbose_name = "Conventions"

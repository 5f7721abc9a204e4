from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set of `make run` (`manage.py demo`). It may import every app; no app
    imports it (only the tests do)."""

    name = "passplus.demo"
    label = "demo"
    verbose_name = "Démonstration"

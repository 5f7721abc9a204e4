from django.apps import AppConfig


class HealthConfig(AppConfig):
    """The detailed health report (`/sante/detail/`): one function per moving part, each saying
    ok, warning or error. No models: it reads the other apps and the machine."""

    name = "passplus.health"
    label = "health"
    verbose_name = "Santé du service"

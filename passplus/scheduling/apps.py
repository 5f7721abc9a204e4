from django.apps import AppConfig
from django.core import checks


class SchedulingConfig(AppConfig):
    name = "passplus.scheduling"
    label = "scheduling"
    verbose_name = "Tâches planifiées"

    def ready(self) -> None:
        from passplus.scheduling.checks import check_schedules

        checks.register(check_schedules)

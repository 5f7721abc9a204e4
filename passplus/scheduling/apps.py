from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "passplus.scheduling"
    label = "scheduling"
    verbose_name = "Tâches planifiées"

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "passplus.reminders"
    label = "reminders"
    verbose_name = "Rappels"

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "passplus.notifications"
    label = "notifications"
    verbose_name = "Notifications"

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "passplus.audit"
    label = "audit"
    verbose_name = "Journal"

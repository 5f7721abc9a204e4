from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "passplus.payments"
    label = "payments"
    verbose_name = "Remboursements"

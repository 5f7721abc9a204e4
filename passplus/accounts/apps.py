from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "passplus.accounts"
    label = "accounts"
    verbose_name = "Comptes"

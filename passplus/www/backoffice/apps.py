from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "passplus.www.backoffice"
    label = "www_backoffice"

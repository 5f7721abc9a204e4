from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "passplus.signatures"
    label = "signatures"
    verbose_name = "Signatures électroniques"

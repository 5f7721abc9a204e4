from django.apps import AppConfig


class FamilyConfig(AppConfig):
    name = "passplus.www.family"
    label = "www_family"

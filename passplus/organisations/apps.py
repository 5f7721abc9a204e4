from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "passplus.organisations"
    label = "organisations"
    verbose_name = "Organismes"

from django.apps import AppConfig


class PartnerConfig(AppConfig):
    name = "passplus.www.partner"
    label = "www_partner"

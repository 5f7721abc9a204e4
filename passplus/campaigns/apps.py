from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "passplus.campaigns"
    label = "campaigns"
    verbose_name = "Années scolaires"

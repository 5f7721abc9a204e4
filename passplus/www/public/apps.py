from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "passplus.www.public"
    label = "www_public"

from django.apps import AppConfig


class CorrespondentConfig(AppConfig):
    name = "passplus.www.correspondent"
    label = "www_correspondent"

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "passplus.tickets"
    label = "tickets"
    verbose_name = "Tickets et saisies"

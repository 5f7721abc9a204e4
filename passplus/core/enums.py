from django.db import models


class Domain(models.TextChoices):
    """Activity domains of the scheme: a wallet, a ticket and an activity belong to one."""

    SPORT = "sport", "Sport"
    CULTURE = "culture", "Culture"


class WalletDomain(models.TextChoices):
    """A wallet covers both domains unless the school year splits them."""

    ALL = "all", "Sport et culture"
    SPORT = "sport", "Sport"
    CULTURE = "culture", "Culture"


class TicketStatus(models.TextChoices):
    """A ticket's lifecycle (docs/design.md §4). Here, below both apps, because a wallet's balance
    depends on its tickets' states and a ticket belongs to a wallet."""

    AVAILABLE = "available", "Disponible"
    # Issued for an assignment to one organisation (tickets.models.assignments): neither
    # printable nor enterable by another; used when that organisation confirms.
    ASSIGNED = "assigned", "Affecté"
    USED = "used", "Utilisé"
    VOID = "void", "Annulé"
    EXPIRED = "expired", "Expiré"

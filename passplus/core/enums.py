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

from django.db import models


class OrganisationStatus(models.TextChoices):
    IDENTIFIED = "identified", "Identifié"
    SIGNING = "signing", "En cours de signature"
    AFFILIATED = "affiliated", "Affilié"
    SUSPENDED = "suspended", "Suspendu"
    TERMINATED = "terminated", "Résilié"


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", "Association loi 1901"
    PUBLIC = "public", "Établissement public ou structure municipale"
    COMPANY = "company", "Entreprise"
    OTHER = "other", "Autre"


class BankAccountStatus(models.TextChoices):
    DRAFT = "draft", "À confirmer par SMS"
    PENDING = "pending", "En attente de validation"
    VALIDATED = "validated", "Validé"
    REJECTED = "rejected", "Refusé"
    REPLACED = "replaced", "Remplacé"
    INVALID = "invalid", "Invalide (virement rejeté)"

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from passplus.demo.affiliation import fresh_invitation_link
from passplus.demo.build import (
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DemoBuilder,
    demo_exists,
    existing_logins,
)
from passplus.demo.staff import demo_totp_secret
from passplus.demo.switch_over import fresh_claim_link


class Command(BaseCommand):
    help = "Create the demo data set once (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            self.stdout.write("Données de démonstration déjà présentes.")
        else:
            builder = DemoBuilder(today=timezone.localdate(), log=self.stdout.write)
            builder.build()
            self.stdout.write("Données de démonstration créées.")
        self.stdout.write(
            "Comptes de démonstration (LOGIN <rôle> <e-mail> <mot de passe>) ; les comptes du "
            "département finissent par leur clé TOTP (double authentification) :"
        )
        for login in existing_logins():
            suffix = f"  # {login.note}" if login.note else ""
            secret = demo_totp_secret(login.email)
            if secret:
                suffix = f"{suffix or '  #'} ; clé TOTP {secret}"
            self.stdout.write(f"LOGIN {login.role} {login.email} {DEMO_PASSWORD}{suffix}")
        invitation = fresh_invitation_link()
        if invitation:
            link, name = invitation
            self.stdout.write(
                f"INVITATION {link}  # lien d'affiliation de « {name} » (valable 30 jours)"
            )
        claim = fresh_claim_link(DEMO_DOMAIN)
        if claim:
            link, name = claim
            self.stdout.write(
                f"CLAIM {link}  # lien de création d'accès de « {name} », organisme repris "
                "(valable 30 jours)"
            )

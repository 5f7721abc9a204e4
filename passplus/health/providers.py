"""Health of what the platform relies on outside itself: the seal's certificate (issued by a
certification authority, it expires) and the SMS provider (the one-time codes)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max, Min
from django_tasks_db.models import DBTaskResult

from passplus.core.french import counted
from passplus.health.outcomes import Outcome, duration, error, moment, ok, warning
from passplus.notifications.tasks import send_sms
from passplus.signatures import sealing
from passplus.signatures.models import OneTimeCode

# The seal's certificate expires within this delay: time to order the next one.
SEAL_WARNING_DELAY = dt.timedelta(days=30)
# One-time codes asked for within this window whose SMS should have gone (created more than
# OneTimeCode.VALIDITY ago: past that, the SMS is dropped as useless) while no SMS went
# through since the first of them: the provider is silently failing.
SMS_SILENCE_WINDOW = dt.timedelta(hours=24)

DEVELOPMENT_SEAL = "certificat de développement auto-signé"


def seal_certificate(now: dt.datetime) -> Outcome:
    """Days until the seal's certificate expires (negative once it has)."""
    certificate = sealing.seal_certificate()
    expires = certificate.not_valid_after
    remaining = expires - now
    days = int(remaining.total_seconds() // 86400)
    note = f" ({DEVELOPMENT_SEAL})" if certificate.development else ""
    if remaining <= dt.timedelta(0):
        return error(
            f"Certificat du cachet expiré {moment(expires)}{note} : les conventions ne "
            "peuvent plus être scellées valablement.",
            days,
        )
    text = f"Certificat du cachet valable jusqu'au {expires:%d/%m/%Y}, dans {duration(remaining)}"
    if remaining < SEAL_WARNING_DELAY:
        return warning(f"{text}{note} : commandez et installez le suivant.", days)
    if certificate.development and not settings.DEBUG:
        return warning(
            f"{text} ; {DEVELOPMENT_SEAL} : en production, configurez PASSPLUS_SEAL_PKCS12 "
            "ou PASSPLUS_SEAL_KEY et PASSPLUS_SEAL_CERT.",
            days,
        )
    return ok(f"{text}{note}.", days)


def sms_provider(now: dt.datetime) -> Outcome:
    """The last SMS the provider accepted (a successful `send_sms` task), in seconds ago.

    Warning when the last attempt failed after the last success, or when codes were asked for
    within SMS_SILENCE_WINDOW and none went through since the first of them. Task results are
    pruned after TASK_RESULT_RETENTION_DAYS: an older success is not known."""
    results = DBTaskResult.objects.filter(task_path=send_sms.module_path)
    last_success = results.successful().aggregate(at=Max("finished_at"))["at"]
    last_failure = results.failed().aggregate(at=Max("finished_at"))["at"]
    gateway = settings.SMS_BACKEND.rsplit(".", 1)[-1]
    seconds = int((now - last_success).total_seconds()) if last_success else None
    success_text = (
        f"dernier envoi réussi {moment(last_success)}"
        if last_success
        else "aucun envoi réussi enregistré"
    )
    if last_failure and (last_success is None or last_failure > last_success):
        return warning(
            f"Dernier envoi en échec {moment(last_failure)} ; {success_text} "
            f"(passerelle {gateway}).",
            seconds,
        )
    codes = OneTimeCode.objects.filter(
        created_at__gte=now - SMS_SILENCE_WINDOW, created_at__lte=now - OneTimeCode.VALIDITY
    ).aggregate(number=Count("pk"), first=Min("created_at"))
    if codes["first"] and (last_success is None or last_success < codes["first"]):
        return warning(
            f"{counted(codes['number'], 'code demandé', 'codes demandés')} depuis 24 h sans "
            f"aucun envoi réussi depuis {moment(codes['first'])} ; {success_text} "
            f"(passerelle {gateway}).",
            seconds,
        )
    if last_success:
        return ok(f"Dernier envoi réussi {moment(last_success)} (passerelle {gateway}).", seconds)
    return ok(f"Aucun SMS envoyé ni attendu récemment (passerelle {gateway}).", seconds)

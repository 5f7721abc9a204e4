"""Signed convention PDF: cost of `render_convention_pdf` + `seal_pdf` per document.

render_convention_pdf (passplus.conventions.documents) renders the convention pages twice (alone,
to hash them, then with the certificate page); seal_pdf (passplus.signatures.sealing) adds a PAdES
seal with the EC P-256 development key, generated in the temporary directory.
Baseline, measured in the same run: rendering a one-page reportlab PDF with one paragraph.
The ratio says how many such trivial PDFs one signed convention costs. The absolute time per
document is printed too: the goal is at most 100 ms on a developer's machine.
The database is a throwaway SQLite file (WAL, as configured in settings).
"""

import datetime as dt
import time
from io import BytesIO

from bootstrap import start

start(PASSPLUS_SEAL_DEV_DIR="{tmp}/seal")

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import getSampleStyleSheet  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: E402

from passplus.conventions.documents import render_convention_pdf  # noqa: E402
from passplus.conventions.models import Convention, ConventionVersion  # noqa: E402
from passplus.organisations.enums import LegalForm, OrganisationStatus  # noqa: E402
from passplus.organisations.models import BankAccount, Organisation  # noqa: E402
from passplus.signatures.models import (  # noqa: E402
    OneTimeCode,
    SignaturePurpose,
    SignatureRequest,
    SignatureStatus,
)
from passplus.signatures.sealing import get_signer, seal_pdf  # noqa: E402
from passplus.territory.models import Commune  # noqa: E402

N = 40
ROUNDS = 4
ARTICLE = (
    "Article {n}. L'organisme accepte les tickets Pass+ remis par les collégiens pour les "
    "activités sportives et culturelles qu'il propose, dans les conditions du règlement du "
    "dispositif. Les tickets saisis dans son espace sont remboursés par virement."
)


def build() -> tuple[Convention, SignatureRequest, BankAccount]:
    """One organisation signing a two-page convention, its signature and bank details."""
    now = timezone.now()
    organisation = Organisation.objects.create(
        status=OrganisationStatus.SIGNING,
        legal_name="CLUB DE BENCH",
        acronym="CDB",
        legal_form=LegalForm.ASSOCIATION,
        siret="73282932000074",
        rna="W921234567",
        creation_date=dt.date(2000, 1, 1),
        offers_sport=True,
        commune=Commune.objects.first(),
        street="1 rue du Stade",
        postcode="92000",
        city="Nanterre",
        representative_name="Claire Martin",
        representative_role="Présidente",
        representative_email="claire@club.example.fr",
        representative_mobile="+33612345678",
    )
    version = ConventionVersion.objects.create(
        label="bench",
        title="Convention de partenariat Pass+",
        body="\n\n".join(ARTICLE.format(n=n) for n in range(1, 13)),
        rules="Règlement du dispositif.",
        published_on=dt.date(2026, 6, 1),
    )
    convention = Convention.objects.create(
        organisation=organisation,
        version=version,
        rules_accepted_at=now,
        terms_accepted_at=now,
    )
    signature = SignatureRequest.objects.create(
        purpose=SignaturePurpose.CONVENTION,
        organisation=organisation,
        convention=convention,
        signer_name="Claire Martin",
        phone="+33612345678",
        status=SignatureStatus.SIGNED,
        signed_at=now,
        signed_ip="203.0.113.7",
        signed_user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    )
    OneTimeCode.objects.create(
        request=signature, code_hash="0" * 64, expires_at=now, used_at=now
    )  # read back as the certificate's "code sent at"
    bank_account = BankAccount.objects.create(
        organisation=organisation,
        holder="CLUB DE BENCH",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPPXXX",
    )
    return convention, signature, bank_account


def baseline_pdf() -> bytes:
    buffer = BytesIO()
    styles = getSampleStyleSheet()
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(ARTICLE.format(n=1), styles["Normal"])])
    return buffer.getvalue()


def main() -> None:
    call_command("migrate", verbosity=0)
    convention, signature, bank_account = build()
    get_signer()  # generate the development key outside the measure
    seal_pdf(baseline_pdf())  # warm-up: imports, fonts

    # Baseline and documents take turns (ROUNDS rounds): a busy moment weighs on both alike.
    baseline = rendering = sealing = 0.0
    size = N // ROUNDS
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(size):
            baseline_pdf()
        baseline += time.perf_counter() - start
        for _ in range(size):
            start = time.perf_counter()
            rendered = render_convention_pdf(convention, signature, bank_account)
            middle = time.perf_counter()
            seal_pdf(rendered.pdf)
            end = time.perf_counter()
            rendering += middle - start
            sealing += end - middle

    print(f"N = {N} documents, EC P-256 development seal, {ROUNDS} alternating rounds")
    for label, seconds in [
        ("baseline: one-paragraph reportlab PDF", baseline),
        ("render_convention_pdf", rendering),
        ("seal_pdf", sealing),
        ("render + seal (one signed convention)", rendering + sealing),
    ]:
        print(f"  {label:40} {seconds / N * 1e3:7.2f} ms each   x {seconds / baseline:.2f}")
    total_ms = (rendering + sealing) / N * 1e3
    print(f"  goal: at most 100 ms per signed convention; measured {total_ms:.0f} ms")


if __name__ == "__main__":
    main()

"""The signed convention as a PDF: the convention pages, then a signature certificate, sealed.

The certificate page quotes the SHA-256 of the convention pages rendered alone (reportlab's
invariant mode makes those bytes reproducible from the same data): see docs/decisions.md,
"What the signature certificate's SHA-256 covers".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from stdnum.fr import siret as siret_number

from passplus.conventions.models import Convention
from passplus.core.pdf_text import fit_width, pdf_line, pdf_markup
from passplus.organisations.models import BankAccount, Organisation
from passplus.signatures.models import SignatureRequest
from passplus.signatures.sealing import seal_pdf

PARIS = ZoneInfo("Europe/Paris")
MISSING = "—"
MARGIN = 22 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
LABEL_WIDTH = 62 * mm
# The footer's title leaves room for "Page 12" at the right; the metadata title stays short.
FOOTER_TITLE_WIDTH = FRAME_WIDTH - 20 * mm
TITLE_MAX_LENGTH = 200

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle(
        "title", parent=_base["Title"], fontSize=17, leading=21, spaceAfter=4 * mm
    ),
    "subtitle": ParagraphStyle(
        "subtitle", parent=_base["Normal"], alignment=TA_CENTER, textColor=colors.grey
    ),
    "heading": ParagraphStyle(
        "heading", parent=_base["Heading2"], fontSize=12.5, spaceBefore=5 * mm, spaceAfter=2 * mm
    ),
    "body": ParagraphStyle("body", parent=_base["Normal"], fontSize=10, leading=13.5, spaceAfter=6),
    "cell": ParagraphStyle("cell", parent=_base["Normal"], fontSize=9.5, leading=12),
    "label": ParagraphStyle(
        "label", parent=_base["Normal"], fontName="Helvetica-Bold", fontSize=9.5, leading=12
    ),
    "mono": ParagraphStyle("mono", parent=_base["Normal"], fontName="Courier", fontSize=8.5),
    "small": ParagraphStyle(
        "small", parent=_base["Normal"], fontSize=8.5, leading=11, textColor=colors.grey
    ),
}
TABLE_STYLE = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
)


@dataclass(frozen=True)
class RenderedConvention:
    """The unsealed PDF, and the SHA-256 of its convention pages rendered alone."""

    pdf: bytes
    content_sha256: str


@dataclass(frozen=True)
class SignedDocument:
    """What the caller stores: the sealed PDF and the two fingerprints."""

    pdf: bytes
    content_sha256: str
    sealed_sha256: str


def sign_document(
    convention: Convention, signature: SignatureRequest, bank_account: BankAccount | None
) -> SignedDocument:
    """Render the convention with its signature certificate and seal it (PAdES).

    Storing the file is the caller's job (`Convention.signed_pdf`, `pdf_sha256` = sealed_sha256,
    `SignatureRequest.document_sha256` = content_sha256).
    """
    rendered = render_convention_pdf(convention, signature, bank_account)
    sealed = seal_pdf(rendered.pdf)
    return SignedDocument(
        pdf=sealed,
        content_sha256=rendered.content_sha256,
        sealed_sha256=hashlib.sha256(sealed).hexdigest(),
    )


def render_convention_pdf(
    convention: Convention,
    signature: SignatureRequest,
    bank_account: BankAccount | None = None,
) -> RenderedConvention:
    """The convention pages followed by the "Certificat de signature" page, not sealed.

    The convention pages are first rendered alone in invariant mode and hashed; the full
    document then repeats the same pages and quotes that hash on its certificate page.
    """
    content = _build(convention, _convention_story(convention, bank_account), invariant=True)
    content_sha256 = hashlib.sha256(content).hexdigest()
    story = [
        *_convention_story(convention, bank_account),
        PageBreak(),
        *_certificate_story(convention, signature, content_sha256),
    ]
    return RenderedConvention(
        pdf=_build(convention, story, invariant=False), content_sha256=content_sha256
    )


def signature_id(signature: SignatureRequest, content_sha256: str) -> str:
    """`PASS-{signature pk}-{first 12 hex digits of the content SHA-256}`: the pk finds the
    evidence record in the database, the digest ties the id to the document's content."""
    return f"PASS-{signature.pk}-{content_sha256[:12]}"


# Building blocks.


def _build(convention: Convention, story: list[Flowable], *, invariant: bool) -> bytes:
    buffer = BytesIO()
    title = pdf_line(f"{convention.version.title} — {convention.organisation.legal_name}")
    footer_title = fit_width(title, font="Helvetica", size=8, width=FOOTER_TITLE_WIDTH)
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH - 1] + "…"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author=settings.PASSPLUS_SCHEME_NAME,
        subject=f"Convention version {convention.version.label}",
        creator=settings.PASSPLUS_SCHEME_NAME,
        lang="fr-FR",
        invariant=1 if invariant else 0,
    )

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 12 * mm, footer_title)
        canvas.drawRightString(A4[0] - MARGIN, 12 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _convention_story(convention: Convention, bank_account: BankAccount | None) -> list[Flowable]:
    version = convention.version
    organisation = convention.organisation
    story: list[Flowable] = [
        _p(version.title, "title"),
        _p(
            f"Version {version.label} — en vigueur à compter du {_date(version.published_on)}",
            "subtitle",
        ),
        Spacer(1, 6 * mm),
        _p("Entre les soussignés", "heading"),
        _p(
            f"<b>Le {_x(settings.PASSPLUS_AUTHORITY_NAME)}</b>, ci-après « le Département »,",
            "body",
            escaped=True,
        ),
        _p("et", "body"),
        *_organisation_party(organisation),
        _p("Il a été convenu ce qui suit.", "heading"),
        *[_paragraph_with_breaks(text) for text in _paragraphs(version.body)],
        KeepTogether([_p("Coordonnées bancaires", "heading"), _bank_table(bank_account)]),
        KeepTogether(
            [
                _p("Acceptation", "heading"),
                _table(
                    [
                        (
                            "Règlement du dispositif accepté le",
                            _datetime(convention.rules_accepted_at),
                        ),
                        (
                            "Conditions générales acceptées le",
                            _datetime(convention.terms_accepted_at),
                        ),
                    ]
                ),
                _p("Heures exprimées à l'heure de Paris.", "small"),
            ]
        ),
        # The rules are part of what was accepted: annexed, so the evidence is complete.
        _p("Annexe — Règlement du dispositif", "heading"),
        *[_paragraph_with_breaks(text) for text in _paragraphs(version.rules)],
    ]
    return story


def _organisation_party(organisation: Organisation) -> list[Flowable]:
    name = _x(organisation.legal_name)
    if organisation.acronym:
        name += f" ({_x(organisation.acronym)})"
    address = " ".join(part for part in (organisation.postcode, organisation.city) if part)
    lines = [
        f"<b>{name}</b>, {_x(organisation.get_legal_form_display())}",
        _labelled("SIRET", _siret(organisation.siret)),
        _labelled("Numéro RNA", organisation.rna),
        _labelled("Adresse", ", ".join(part for part in (organisation.street, address) if part)),
    ]
    representative = ", ".join(
        part
        for part in (organisation.representative_name, organisation.representative_role)
        if part
    )
    if representative:
        lines.append(f"représenté(e) par {_x(representative)},")
    lines.append("ci-après « l'organisme ».")
    return [_p("<br/>".join(line for line in lines if line), "body", escaped=True)]


def _bank_table(bank_account: BankAccount | None) -> Flowable:
    if bank_account is None:
        return _p("Aucune coordonnée bancaire n'est jointe à cette convention.", "body")
    return _table(
        [
            ("Titulaire du compte", bank_account.holder),
            ("IBAN", bank_account.masked_iban),
            ("BIC", bank_account.bic),
        ]
    )


def _certificate_story(
    convention: Convention, signature: SignatureRequest, content_sha256: str
) -> list[Flowable]:
    return [
        _p("Certificat de signature", "title"),
        _p(
            "Ce certificat atteste la signature électronique de la convention qui précède par "
            "un code à usage unique envoyé par SMS au représentant légal.",
            "body",
        ),
        Spacer(1, 3 * mm),
        _table(
            [
                ("Identifiant de signature", signature_id(signature, content_sha256)),
                ("Signataire", signature.signer_name),
                ("E-mail du représentant", convention.organisation.representative_email or MISSING),
                ("Code envoyé au", signature.masked_phone),
                ("Code envoyé le", _datetime(signature.code_sent_at)),
                ("Code vérifié le", _datetime(signature.signed_at)),
                ("Adresse IP", signature.signed_ip or MISSING),
                ("Navigateur", signature.signed_user_agent or MISSING),
                (
                    "Règlement et conditions générales acceptés",
                    f"version {convention.version.label}",
                ),
            ]
        ),
        _p("Empreinte SHA-256 du document avant scellement", "heading"),
        _p(content_sha256, "mono"),
        Spacer(1, 3 * mm),
        _p(
            "Cette empreinte est celle des pages de la convention seules (sans ce certificat), "
            "produites dans un format reproductible. Le document complet est ensuite scellé "
            f"électroniquement (PAdES) par {settings.PASSPLUS_SCHEME_NAME} : toute modification "
            "ultérieure invalide le cachet. Heures exprimées à l'heure de Paris.",
            "small",
        ),
    ]


# Small helpers.


def _x(text: str) -> str:
    """Text typed by people as one line of visible characters, escaped for reportlab's
    mini-markup (&, < and > would break a Paragraph; `<b>` typed in a name stays text)."""
    return pdf_markup(str(text))


def _p(text: str, style: str, *, escaped: bool = False) -> Paragraph:
    return Paragraph(text if escaped else _x(text), STYLES[style])


def _paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines (Windows line ends accepted)."""
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [block.strip() for block in blocks if block.strip()]


def _paragraph_with_breaks(block: str) -> Paragraph:
    """A single line break inside a paragraph is kept (lists, addresses)."""
    return _p("<br/>".join(_x(line.strip()) for line in block.splitlines()), "body", escaped=True)


def _table(rows: list[tuple[str, str]]) -> Table:
    data = [[_p(label, "label"), _p(value, "cell")] for label, value in rows]
    table = Table(data, colWidths=[LABEL_WIDTH, FRAME_WIDTH - LABEL_WIDTH], hAlign="LEFT")
    table.setStyle(TABLE_STYLE)
    return table


def _labelled(label: str, value: str) -> str:
    return f"{label} : {_x(value)}" if value else ""


def _siret(value: str) -> str:
    return siret_number.format(value) if value else ""


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else MISSING


def _datetime(value: dt.datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else MISSING

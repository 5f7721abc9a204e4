"""The blank identification form an organisation fills in by hand for its commune's correspondent.

Drawn on a reportlab canvas rather than with platypus: the boxes of the SIRET, RNA and dates
sit at fixed positions so that handwriting fits them.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from passplus.organisations.enums import LegalForm

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 18 * mm
RIGHT = PAGE_WIDTH - 18 * mm
LABEL_WIDTH = 48 * mm
BOX = 6 * mm  # one character box
ROW = 9.5 * mm
INK = colors.HexColor("#1f2a44")
GUIDE = colors.HexColor("#8a93a6")

INSTRUCTIONS = (
    "Fiche à remplir en lettres capitales, à remettre au correspondant Pass+ de votre commune "
    "(celle où se déroule l'activité), en main propre ou par courrier. Il l'enregistre : le "
    "représentant légal de l'organisme reçoit alors par e-mail une invitation à compléter "
    "l'inscription et à signer la convention en ligne, avec un code reçu par SMS."
)


def blank_identification_form_pdf() -> bytes:
    """One A4 page: labelled lines, boxes and check boxes to fill in by hand."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, lang="fr-FR")
    canvas.setTitle(f"Fiche d'identification — {settings.PASSPLUS_SCHEME_NAME}")
    canvas.setAuthor(settings.PASSPLUS_SCHEME_NAME)
    canvas.setSubject("Fiche d'identification d'un organisme partenaire")
    form = _Form(canvas)
    form.header()
    form.section("L'organisme")
    form.line("Raison sociale")
    form.line("")  # room for a long name
    form.line("Sigle", width=60 * mm)
    form.legal_forms()
    form.boxes("SIRET (14 chiffres)", groups=[3, 3, 3, 5])
    form.boxes("Numéro RNA (associations)", groups=[10], printed="W")
    form.boxes("Date de création", groups=[2, 2, 4], separator="/")
    form.section("L'activité")
    form.line("Commune de l'activité")
    form.choices("Domaines", ["Sport", "Culture"])
    form.area("Description des activités", lines=4)
    form.section("Contact")
    form.line("Personne à contacter")
    form.line("E-mail")
    form.line("Téléphone", width=70 * mm)
    form.footer()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Form:
    """Draws the form top to bottom; `y` is the baseline of the next row."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = PAGE_HEIGHT - 20 * mm

    def header(self) -> None:
        canvas = self.canvas
        canvas.setFillColor(GUIDE)
        canvas.setFont("Helvetica", 9)
        canvas.drawString(LEFT, self.y, settings.PASSPLUS_SCHEME_NAME)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica-Bold", 20)
        canvas.drawString(LEFT, self.y - 10 * mm, "Fiche d'identification")
        canvas.setFont("Helvetica", 11)
        canvas.drawString(
            LEFT, self.y - 16 * mm, "Organisme proposant des activités sportives ou culturelles"
        )
        style = ParagraphStyle("instructions", fontName="Helvetica", fontSize=9, leading=12)
        paragraph = Paragraph(INSTRUCTIONS, style)
        _, height = paragraph.wrap(RIGHT - LEFT, 40 * mm)
        paragraph.drawOn(canvas, LEFT, self.y - 21 * mm - height)
        self.y -= 27 * mm + height

    def section(self, title: str) -> None:
        canvas = self.canvas
        self.y -= 2 * mm
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(LEFT, self.y, title)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.line(LEFT, self.y - 2 * mm, RIGHT, self.y - 2 * mm)
        self.y -= ROW

    def _label(self, label: str) -> None:
        self.canvas.setFillColor(INK)
        self.canvas.setFont("Helvetica", 10)
        self.canvas.drawString(LEFT, self.y, label)

    def line(self, label: str, *, width: float | None = None) -> None:
        """A label and a dotted line to write on."""
        self._label(label)
        start = LEFT + LABEL_WIDTH
        end = RIGHT if width is None else min(RIGHT, start + width)
        self._dotted(start, end, self.y - 1)
        self.y -= ROW

    def _dotted(self, start: float, end: float, y: float) -> None:
        canvas = self.canvas
        canvas.setStrokeColor(GUIDE)
        canvas.setLineWidth(0.6)
        canvas.setDash(1, 2)
        canvas.line(start, y, end, y)
        canvas.setDash()

    def _checkbox(self, x: float, label: str) -> float:
        """Draw a check box and its label at x; return where the next one may start."""
        canvas = self.canvas
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.rect(x, self.y - 1, 3.6 * mm, 3.6 * mm)
        canvas.setFont("Helvetica", 9.5)
        canvas.drawString(x + 5.5 * mm, self.y, label)
        # reportlab has no type hints (its `mm` and measures are Any to mypy).
        return float(x + 5.5 * mm + canvas.stringWidth(label, "Helvetica", 9.5) + 7 * mm)

    def legal_forms(self) -> None:
        self._label("Forme juridique")
        labels = [str(label) for label in LegalForm.labels]
        x = LEFT + LABEL_WIDTH
        for label in labels[:2]:
            self._checkbox(x, label)
            self.y -= 7 * mm
        for label in labels[2:3]:
            x = self._checkbox(x, label)
        for label in labels[3:]:
            x = self._checkbox(x, label + " (précisez)")
            self._dotted(x - 5 * mm, RIGHT, self.y - 1)
        self.y -= ROW

    def choices(self, label: str, options: list[str]) -> None:
        self._label(label)
        x = LEFT + LABEL_WIDTH
        for option in options:
            x = self._checkbox(x, option)
        self.y -= ROW

    def boxes(
        self, label: str, *, groups: list[int], printed: str = "", separator: str = ""
    ) -> None:
        """One box per character, in groups (SIRET 3-3-3-5, dates 2/2/4); `printed` fills the
        first boxes in advance (the W of an RNA number)."""
        self._label(label)
        canvas = self.canvas
        x = LEFT + LABEL_WIDTH
        index = 0
        for number, size in enumerate(groups):
            if number:
                if separator:
                    canvas.setFont("Helvetica", 12)
                    canvas.drawCentredString(x + 1.5 * mm, self.y, separator)
                x += 3 * mm
            for _ in range(size):
                canvas.setStrokeColor(INK)
                canvas.setLineWidth(0.7)
                canvas.rect(x, self.y - 2 * mm, BOX, BOX + 1 * mm)
                if index < len(printed):
                    canvas.setFont("Helvetica-Bold", 12)
                    canvas.drawCentredString(x + BOX / 2, self.y - 0.5 * mm, printed[index])
                x += BOX
                index += 1
        self.y -= ROW

    def area(self, label: str, *, lines: int) -> None:
        self._label(label)
        self.y -= 3 * mm
        canvas = self.canvas
        height = lines * 7 * mm
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.7)
        canvas.rect(LEFT, self.y - height, RIGHT - LEFT, height)
        for number in range(1, lines):
            self._dotted(LEFT + 2 * mm, RIGHT - 2 * mm, self.y - number * 7 * mm)
        self.y -= height + ROW

    def footer(self) -> None:
        canvas = self.canvas
        canvas.setFillColor(GUIDE)
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(
            LEFT,
            15 * mm,
            "Cadre réservé au correspondant : reçue le ......../......../............"
            "     enregistrée le ......../......../............",
        )
        canvas.drawString(
            LEFT,
            10 * mm,
            f"{settings.PASSPLUS_SCHEME_NAME} — questions : {settings.PASSPLUS_CONTACT_EMAIL}",
        )

"""A receipt as a one-page PDF (reportlab), Chinese included: the text is set in an
embedded subset of WenQuanYi Zen Hei, read from the machine's fonts (Debian's
fonts-wqy-zenhei), so nothing is fetched and any PDF reader shows it."""

import io
from functools import cache

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from accounts.models import User
from core.money import format_money
from payments.receipts import Receipt

FONT = "ReceiptFont"


@cache
def _font() -> str:
    """Register the receipt font once per process (parsing it takes a moment)."""
    pdfmetrics.registerFont(TTFont(FONT, settings.RECEIPT_FONT_PATH, subfontIndex=0))
    return FONT


def receipt_pdf(*, receipt: Receipt, user: User) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(_("Receipt %(number)s") % {"number": receipt.key})
    pdf.setAuthor(settings.RECEIPT_ISSUER)
    _width, height = A4
    y = height - 72

    def line(text: str, size: int = 11, gap: int = 18) -> None:
        nonlocal y
        pdf.setFont(font, size)
        pdf.drawString(72, y, text)
        y -= gap

    line(settings.RECEIPT_ISSUER, 18, 28)
    line(_("Receipt %(number)s") % {"number": receipt.key}, 14, 26)
    amount = format_money(receipt.amount, receipt.currency)
    rows = [
        (_("Date"), formats.date_format(receipt.at, "DATETIME_FORMAT")),
        (_("Billed to"), f"{user.public_name} <{user.email}>"),
        (_("Payment"), receipt.what),
        (_("Item"), receipt.title),
        (_("Method"), receipt.method),
        (_("Status"), receipt.status),
        (_("Refunded to you") if receipt.is_refund else _("Amount"), amount),
    ]
    if receipt.refunded:
        rows.append((_("Refunded"), format_money(receipt.refunded, receipt.currency)))
    if receipt.note:
        rows.append((_("Note"), receipt.note))
    for label, value in rows:
        line(f"{label}: {value}")
    if not receipt.charged and not receipt.is_refund:
        line(_("Nothing was charged for this payment."), 11, 18)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

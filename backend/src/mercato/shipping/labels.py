"""Printable shipping labels: a 4x6 inch PDF with the addresses and a Code 128 barcode of the
tracking number (reportlab, ADR 0027). Used by carriers that do not print their own."""

from __future__ import annotations

import io

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from mercato.shipping.providers.port import ShipAddress

LABEL_CONTENT_TYPE = "application/pdf"
_WIDTH, _HEIGHT = 4 * inch, 6 * inch


def _address_lines(address: ShipAddress) -> list[str]:
    lines = [address.name]
    if address.company:
        lines.append(address.company)
    lines.append(address.line1)
    if address.line2:
        lines.append(address.line2)
    region = f" {address.region}" if address.region else ""
    lines.append(f"{address.postal_code} {address.city}{region}")
    lines.append(address.country)
    return [line[:60] for line in lines if line]


def render_label(
    *,
    tracking_number: str,
    carrier_name: str,
    service: str,
    weight_grams: int,
    origin: ShipAddress,
    destination: ShipAddress,
) -> bytes:
    """The label as PDF bytes (deterministic for the same input apart from the PDF's dates)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(_WIDTH, _HEIGHT), invariant=True)
    canvas.setTitle(f"{carrier_name} label {tracking_number}")
    margin = 6 * mm
    y = _HEIGHT - margin - 10
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(margin, y, carrier_name)
    canvas.setFont("Helvetica", 9)
    canvas.drawRightString(_WIDTH - margin, y, f"{service} · {weight_grams / 1000:.2f} kg")
    y -= 18
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawString(margin, y, "FROM")
    canvas.setFont("Helvetica", 8)
    for line in _address_lines(origin):
        y -= 10
        canvas.drawString(margin, y, line)
    y -= 20
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(margin, y, "SHIP TO")
    canvas.setFont("Helvetica-Bold", 12)
    for line in _address_lines(destination):
        y -= 15
        canvas.drawString(margin, y, line)
    barcode = Code128(tracking_number, barHeight=22 * mm, barWidth=0.32 * mm, humanReadable=False)
    x = max(margin, (_WIDTH - barcode.width) / 2)
    barcode.drawOn(canvas, x, 22 * mm)
    canvas.setFont("Courier-Bold", 11)
    canvas.drawCentredString(_WIDTH / 2, 15 * mm, tracking_number)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

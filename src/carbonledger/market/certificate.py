"""The retirement certificate (注销证明) as a PDF: what was retired (lot, serial ranges, units,
tonnes), for what and whom, who verified the lot, the checkpoint the lot was formed against,
and the receipt proving the retirement leaf, printed in full so that anyone can check it with
`carbonledger registry check-receipt` and the log's public key."""

from __future__ import annotations

import io
import textwrap
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as Grid

from carbonledger.market.receipt import dumps
from carbonledger.reports.pdf import cjk_font

_GREEN = colors.HexColor("#17663a")


def _kg(mg: int) -> str:
    return f"{mg / 1_000_000:,.3f} kg CO2e"


def certificate_pdf(
    retirement: dict[str, Any], lot: dict[str, Any], receipt: dict[str, Any], font: str = ""
) -> bytes:
    name = cjk_font(font)
    title = ParagraphStyle("title", fontName=name, fontSize=18, leading=24, textColor=_GREEN)
    body = ParagraphStyle("body", fontName=name, fontSize=10, leading=14)
    small = ParagraphStyle("small", fontName="Courier", fontSize=6.5, leading=8)
    manifest = lot["manifest"]
    verifiers = ", ".join(f"{s['name']} ({s['verifier']})" for s in lot["signatures"]) or "—"
    rows = [
        ("Retirement", retirement["id"]),
        ("Purpose", retirement["purpose"]),
        ("Beneficiary", retirement["beneficiary"]),
        ("Retired at", retirement["retired_at"]),
        ("Lot", manifest["lot"]),
        ("Serials", "\n".join(retirement["serials"])),
        ("Units", f"{retirement['units']} × {_kg(retirement['unit_mg'])}"),
        ("Reduction", _kg(retirement["units"] * retirement["unit_mg"])),
        ("Verified by", verifiers),
        (
            "Lot checkpoint",
            f"size {manifest['checkpoint']['size']}, root {manifest['checkpoint']['root']}",
        ),
        ("Lot leaf digest", manifest["leaves_digest"]),
        ("Retirement leaf", str(retirement["leaf_index"])),
    ]
    grid = Grid(
        [[Paragraph(k, body), Paragraph(str(v).replace("\n", "<br/>"), body)] for k, v in rows],
        colWidths=[40 * mm, 130 * mm],
    )
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, title=f"Retirement {retirement['id']}")
    document.build(
        [
            Paragraph("碳减排量注销证明 · Retirement certificate", title),
            Spacer(1, 6 * mm),
            grid,
            Spacer(1, 6 * mm),
            Paragraph(
                "Receipt: the retirement leaf, its inclusion proof and the signed checkpoint. "
                "Check it with <font face='Courier'>carbonledger registry check-receipt FILE"
                "</font>, which needs only the log's public key.",
                body,
            ),
            Spacer(1, 2 * mm),
            Preformatted("\n".join(textwrap.wrap(dumps(receipt), 120)), small),
        ]
    )
    return out.getvalue()

"""A donation certificate (捐赠证书) as a one-page PDF: who gave how many units of which
project for how many points, between which days, numbered by a digest of the citizen and
project so the same certificate always bears the same number. Chinese needs a CJK font: the
reports' (`reports.pdf.cjk_font`). Pure apart from the font lookup."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.engine import Connection

from carbonledger.accounts import protection
from carbonledger.accounts import repository as accounts
from carbonledger.donations import repository as repo
from carbonledger.errors import NotFound
from carbonledger.keys import Keys
from carbonledger.reports.pdf import cjk_font

_GREEN = HexColor("#1f7a4d")


@dataclass(frozen=True, slots=True)
class Certificate:
    name: str
    project_zh: str
    project_en: str
    units: int
    unit_zh: str
    unit_en: str
    points: int
    first_day: date
    last_day: date
    citizen_id: str
    project_id: str

    @property
    def number(self) -> str:
        digest = hashlib.sha256(f"{self.citizen_id}:{self.project_id}".encode()).hexdigest()
        return f"CL-{self.project_id[-6:]}-{digest[:10].upper()}"


def of(
    conn: Connection, keys: Keys, citizen_id: str, project_id: str, zone: ZoneInfo
) -> Certificate:
    """The certificate of what the citizen gave to the project; 404 when they gave nothing."""
    given = [d for d in repo.donations_of(conn, citizen_id, None) if d.project_id == project_id]
    citizen = accounts.citizen(conn, citizen_id)
    if not given or citizen is None:
        raise NotFound("you have made no donation to this project", code="unknown_project")
    project = next(p for p in repo.funded_by(conn, citizen_id) if p.id == project_id)
    days = sorted(d.created_at.astimezone(zone).date() for d in given)
    return Certificate(
        name=protection.decrypt(keys.data_key, bytes(citizen.name_enc), "name"),
        project_zh=project.name_zh,
        project_en=project.name_en,
        units=sum(int(d.units) for d in given),
        unit_zh=project.unit_zh,
        unit_en=project.unit_en,
        points=sum(int(d.points) for d in given),
        first_day=days[0],
        last_day=days[-1],
        citizen_id=citizen_id,
        project_id=project_id,
    )


def write_pdf(certificate: Certificate, font_path: str = "") -> bytes:
    font = cjk_font(font_path)
    out = io.BytesIO()
    page = Canvas(out, pagesize=A4, pageCompression=1)
    page.setTitle(f"捐赠证书 Certificate of donation {certificate.number}")
    width, height = A4
    page.setStrokeColor(_GREEN)
    page.setLineWidth(3)
    page.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    page.setFillColor(_GREEN)
    page.setFont(font, 28)
    page.drawCentredString(width / 2, height - 60 * mm, "公益捐赠证书")
    page.setFont(font, 14)
    page.drawCentredString(width / 2, height - 72 * mm, "Certificate of donation")
    page.setFillColorRGB(0, 0, 0)
    page.setFont(font, 15)
    lines = [
        f"兹证明 {certificate.name}",
        f"以 {certificate.points:,} 绿色积分捐赠 {certificate.units:,} {certificate.unit_zh}，",
        f"支持公益项目「{certificate.project_zh}」。",
    ]
    for n, line in enumerate(lines):
        page.drawCentredString(width / 2, height - (100 + 12 * n) * mm, line)
    page.setFont(font, 11)
    english = [
        f"{certificate.name} gave {certificate.units:,} {certificate.unit_en}",
        f"({certificate.points:,} green points) to “{certificate.project_en}”.",
    ]
    for n, line in enumerate(english):
        page.drawCentredString(width / 2, height - (145 + 8 * n) * mm, line)
    period = f"{certificate.first_day.isoformat()} – {certificate.last_day.isoformat()}"
    page.drawCentredString(width / 2, height - 175 * mm, f"捐赠日期 Donated: {period}")
    page.drawCentredString(width / 2, height - 185 * mm, f"证书编号 No. {certificate.number}")
    page.setFont(font, 10)
    page.drawCentredString(width / 2, 30 * mm, "碳账本 · 城市碳普惠平台  Carbon Ledger")
    page.showPage()
    page.save()
    return out.getvalue()

"""The certificate as a PDF: a pure function of the signed payload and its signature.

Everything printed comes from the payload (plus the signature and key id), so a verifier can
re-derive the exact text a genuine document carries and compare it with what a PDF shows.
Bilingual by design (Chinese first, English beside it), whatever the reader's language.
The font is WenQuanYi Micro Hei (Apache-2.0), shipped in ../fonts and embedded as a subset.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "WQYMicroHei"
FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"
# The signed payload travels in the PDF's Keywords: MARK.<base64url payload>.<key id>.<signature>
MARK = "certbody-signed-1"
SIGNING_CONTEXT = b"certbody certificate v1\n"

STATUS_LABELS = {
    "valid": ("01", "有效", "Valid"),
    "suspended": ("02", "暂停", "Suspended"),
    "withdrawn": ("03", "撤销", "Withdrawn"),
    "cancelled": ("04", "注销", "Cancelled"),
    "expired": ("05", "过期失效", "Expired"),
    "superseded": ("", "已换版", "Superseded by a later version"),
}


def canonical(payload: dict[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed_message(payload: dict[str, Any]) -> bytes:
    return SIGNING_CONTEXT + canonical(payload)


def encode_signature(signature: bytes) -> str:
    return base64.b32encode(signature).decode("ascii").rstrip("=")


def decode_signature(code: str) -> bytes:
    code = "".join(code.split()).replace("-", "").upper()
    return base64.b32decode(code + "=" * (-len(code) % 8))


def grouped(code: str, size: int = 4) -> str:
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def keywords(payload: dict[str, Any], key_id: str, signature_code: str) -> str:
    body = base64.urlsafe_b64encode(canonical(payload)).decode("ascii").rstrip("=")
    return f"{MARK}.{body}.{key_id}.{signature_code}"


def parse_keywords(text: str) -> tuple[dict[str, Any], str, str] | None:
    """(payload, key id, signature code) from the Keywords, or None when there is no signed payload.

    Raises ValueError when the mark is there but the rest does not decode.
    """
    if not text or not text.startswith(MARK + "."):
        return None
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError("malformed signed payload")
    _, body, key_id, signature_code = parts
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    payload = json.loads(raw.decode("utf-8"))
    if not isinstance(payload, dict):
        raise ValueError("malformed signed payload")
    return payload, key_id, signature_code


def verify_url(public_url: str, payload: dict[str, Any], key_id: str, signature_code: str) -> str:
    return (
        f"{public_url.rstrip('/')}/verify/{quote(str(payload['number']), safe='')}"
        f"?v={payload['version']}&k={key_id}&s={signature_code}"
    )


# --- what is printed ----------------------------------------------------------------------------------------------


def _line(label_zh: str, label_en: str, value: str) -> tuple[str, str]:
    return (f"{label_zh} {label_en}", value)


def printed_fields(payload: dict[str, Any], key_id: str, signature_code: str) -> list[tuple[str, str]]:
    """(label, value) rows in print order; the verifier compares a PDF's text against these."""
    p = payload
    code, zh, en = STATUS_LABELS.get(p["status"], ("", p["status"], p["status"]))
    rows = [
        _line("证书编号", "Certificate No.", p["number"]),
        _line("版本", "Version", str(p["version"])),
        _line("证书状态", "Status", f"{zh} {en}" + (f" (CNCA {code})" if code else "")),
        _line("持证人", "Certificate holder", p["holder_name"]),
    ]
    if p.get("holder_name_en"):
        rows.append(("", p["holder_name_en"]))
    rows.append(_line("持证人地址", "Holder address", p["holder_address"]))
    if p.get("holder_address_en"):
        rows.append(("", p["holder_address_en"]))
    for i, unit in enumerate(p["units"], start=1):
        rows.append(_line(f"认证产品 {i}", f"Product {i}", unit.get("product_name", "")))
        if unit.get("product_name_en"):
            rows.append(("", unit["product_name_en"]))
        rows.append(_line("型号", "Model(s)", " / ".join(unit.get("models", []))))
        rows.append(_line("产品版本", "Product version", unit.get("version", "") or "—"))
        rows.append(_line("商标", "Trademark", unit.get("trademark", "") or "—"))
        rows.append(_line("生产者（制造商）", "Manufacturer", unit.get("manufacturer", "")))
        if unit.get("manufacturer_address"):
            rows.append(("", unit["manufacturer_address"]))
        rows.append(_line("生产企业（生产场所）", "Production site", unit.get("production_site", "")))
        if unit.get("production_site_address"):
            rows.append(("", unit["production_site_address"]))
    for j, std in enumerate(p["standards"]):
        label = "认证依据标准 Standards" if j == 0 else ""
        title = std.get("title_zh", "") + (f" / {std['title_en']}" if std.get("title_en") else "")
        rows.append((label, f"{std.get('code', '')}-{std.get('version', '')} {title}".strip()))
    rows += [
        _line("认证规则", "Scheme", f"{p['scheme_code']} {p['scheme_name']}"),
        _line("实施规则", "Implementation rules", f"{p['rule_document']} {p['rule_version']}"),
        _line("认证模式", "Certification mode", p["mode_text"]),
        _line("颁证日期", "Date of grant", p["issued_on"]),
        _line("有效期至", "Valid until", p["valid_until"]),
        _line("签发时间", "Signed at", p["signed_at"]),
        _line("签名密钥", "Key ID", key_id),
        _line("电子签名", "Signature", grouped(signature_code)),
    ]
    return rows


def header_lines(payload: dict[str, Any]) -> list[str]:
    lines = [payload["cb_name"]]
    if payload.get("cb_name_en"):
        lines.append(payload["cb_name_en"])
    lines.append(payload["cb_address"])
    lines += ["认 证 证 书", "CERTIFICATE"]
    return lines


FOOTER = [
    "本证书的有效性可扫描二维码或访问验证页面查询；电子签名可用公布的公钥离线验证。",
    "Verify this certificate by scanning the QR code or on the verification page;",
    "the signature verifies offline with the published public key.",
]


def expected_text(payload: dict[str, Any], key_id: str, signature_code: str, public_url: str) -> str:
    """Everything a genuine document prints, in order."""
    parts = header_lines(payload)
    for label, value in printed_fields(payload, key_id, signature_code):
        parts += [label, value]
    parts += [*FOOTER, verify_url(public_url, payload, key_id, signature_code)]
    return "".join(parts)


# --- drawing ------------------------------------------------------------------------------------------------------

_font_ready = False


def register_font() -> None:
    global _font_ready
    if not _font_ready:
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
        _font_ready = True


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Greedy wrap by width; breaks anywhere (Chinese has no spaces), prefers a space when there is one."""
    lines: list[str] = []
    while text:
        if pdfmetrics.stringWidth(text, FONT, size) <= width:
            lines.append(text)
            break
        lo, hi = 1, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if pdfmetrics.stringWidth(text[:mid], FONT, size) <= width:
                lo = mid
            else:
                hi = mid - 1
        cut = text.rfind(" ", 0, lo + 1)
        cut = cut if cut > lo // 2 else lo
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return lines or [""]


def _draw_qr(c: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """Vector QR code: one filled path of module runs, in module units.

    The mask is fixed: choosing the "best" of eight costs more than the rest of the page, and any mask
    gives a valid code.
    """
    qr = segno.make(data, error="m", micro=False, mask=0)
    matrix = qr.matrix
    n = len(matrix) + 8  # quiet zone of 4 modules each side
    c.saveState()
    c.translate(x, y + size)
    c.scale(size / n, -size / n)
    ops = []
    for r, row in enumerate(matrix):
        col, width = 0, len(row)
        while col < width:
            if row[col]:
                start = col
                while col < width and row[col]:
                    col += 1
                ops.append(f"{start + 4} {r + 4} {col - start} 1 re")
            else:
                col += 1
    # Integer operators written as they are: ReportLab's float formatting of ~700 rectangles costs more than the page.
    c.addLiteral("0 g\n" + "\n".join(ops) + "\nf")
    c.restoreState()


def render_pdf(payload: dict[str, Any], key_id: str, signature_code: str, public_url: str) -> bytes:
    """The PDF bytes: identical for identical input on any machine (invariant mode, fixed dates, bundled font)."""
    register_font()
    buffer = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"{payload['number']} v{payload['version']}")
    c.setAuthor(payload.get("cb_name_en") or payload["cb_name"])
    c.setSubject("认证证书 Certificate")
    c.setCreator("certbody")
    c.setKeywords(keywords(payload, key_id, signature_code))
    signed = datetime.fromisoformat(payload["signed_at"])
    c.setDateFormatter(lambda *_a, **_k: signed.strftime("D:%Y%m%d%H%M%S+00'00'"))
    margin = 50
    y = height - margin
    c.setLineWidth(1.2)
    c.rect(margin - 20, margin - 20, width - 2 * (margin - 20), height - 2 * (margin - 20))

    head = header_lines(payload)
    sizes = [13, 9, 9, 22, 13] if len(head) == 5 else [13, 9, 22, 13]
    for text, size in zip(head, sizes, strict=True):
        y -= size + 6
        c.setFont(FONT, size)
        for part in _wrap(text, size, width - 2 * margin):
            c.drawCentredString(width / 2, y, part)
    y -= 18

    label_w = 150
    value_w = width - 2 * margin - label_w
    size = 9.5
    lead = size + 4
    for label, value in printed_fields(payload, key_id, signature_code):
        parts = _wrap(value, size, value_w)
        if y - lead * len(parts) < margin + 130:
            c.showPage()
            y = height - margin
        c.setFont(FONT, 8.5)
        if label:
            c.drawString(margin, y - lead, label)
        c.setFont(FONT, size)
        for part in parts:
            y -= lead
            c.drawString(margin + label_w, y, part)
        y -= 2

    url = verify_url(public_url, payload, key_id, signature_code)
    qr_size = 110
    _draw_qr(c, url, width - margin - qr_size, margin - 8, qr_size)
    c.setFont(FONT, 8)
    fy = margin + 70
    for line in FOOTER:
        c.drawString(margin, fy, line)
        fy -= 11
    c.setFont(FONT, 5.5)
    uy = fy - 2
    for part in _wrap(url, 5.5, width - 2 * margin - qr_size - 10):
        c.drawString(margin, uy, part)
        uy -= 7
    c.showPage()
    c.save()
    return buffer.getvalue()

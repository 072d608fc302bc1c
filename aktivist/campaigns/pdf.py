"""PDF documents with fpdf2: the petition hand-over and the letters bundle.

fpdf2's core fonts know only Latin-1, so every document embeds DejaVu Sans (vendored in
``fonts/`` with its licence: the output is the same on every machine, whether or not the
system has fonts installed). Only the glyphs used are embedded (fpdf2 subsets the font).

fpdf2 holds a document's pages in memory until it is written, so callers cut large
bundles into parts (see :mod:`aktivist.campaigns.handover`). Paragraphs are wrapped once
and the lines reused: most letters share the action's text, so a bundle of thousands of
letters costs little more than its page count.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
MARGIN = 20  # mm
WRAP_CACHE_MAX = 512

# fontTools reports every font subset at INFO, and fpdf2 warns about glyphs the font lacks
# by quoting them — from people's names: keep both out of the logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("fpdf.output").setLevel(logging.ERROR)


class Document(FPDF):
    """An A4 document in DejaVu Sans with a small footer on every page."""

    def __init__(self, *, title: str, author: str, footer: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("Aktivist")
        self.footer_text = footer
        self._wrapped: dict[tuple[str, int, str, float], list[str]] = {}
        self.set_font(FAMILY, size=11)

    def footer(self) -> None:
        self.set_y(-MARGIN + 5)
        self.set_font(FAMILY, size=8)
        self.set_text_color(90)
        label = (
            f"{self.footer_text} · {self.page_no()}" if self.footer_text else str(self.page_no())
        )
        self.cell(0, 5, self.fit(label, self.epw), align="C")
        self.set_text_color(0)

    # -- text

    def fit(self, text: str, width: float) -> str:
        """The text, cut with an ellipsis where it would run past ``width`` mm."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[: min(len(text) * 9 // 10, len(text) - 1)]
        return text + "…"

    def text_line(
        self, text: str, *, size: int = 11, bold: bool = False, height: float = 0
    ) -> None:
        """One line (cut at the margin if it is too long), then a line break."""
        self.set_font(FAMILY, "B" if bold else "", size)
        self.cell(0, height or size * 0.5, self.fit(text, self.epw), new_x="LMARGIN", new_y="NEXT")

    def paragraph(
        self, text: str, *, size: int = 11, bold: bool = False, height: float = 0
    ) -> None:
        """Wrapped text; blank lines in it stay blank lines. Long text breaks onto the
        next page by itself."""
        style = "B" if bold else ""
        self.set_font(FAMILY, style, size)
        line_height = height or size * 0.5
        for line in self._wrap(text, style, size):
            self.cell(0, line_height, line, new_x="LMARGIN", new_y="NEXT")

    def _wrap(self, text: str, style: str, size: int) -> list[str]:
        key = (style, size, text, self.epw)
        lines = self._wrapped.get(key)
        if lines is None:
            lines = []
            for block in text.replace("\r\n", "\n").split("\n"):
                if not block.strip():
                    lines.append("")
                    continue
                lines.extend(
                    self.multi_cell(0, 5, block, dry_run=True, output="LINES")  # type: ignore[arg-type]
                )
            if len(self._wrapped) >= WRAP_CACHE_MAX:
                self._wrapped.clear()
            self._wrapped[key] = lines
        return lines

    def gap(self, height: float = 5) -> None:
        self.ln(height)

    def row(self, cells: list[tuple[str, float]], *, size: int = 10, height: float = 6) -> None:
        """One table row: (text, width in mm; 0 = the rest of the line)."""
        self.set_font(FAMILY, "", size)
        for index, (text, width) in enumerate(cells):
            last = index == len(cells) - 1
            self.cell(
                width,
                height,
                self.fit(text, (width or self.w - self.r_margin - self.get_x()) - 2),
                new_x="LMARGIN" if last else "RIGHT",
                new_y="NEXT" if last else "TOP",
            )

    def to_bytes(self) -> bytes:
        return bytes(self.output())


def new_document(**kwargs: Any) -> Document:
    """A document with its first page started."""
    document = Document(**kwargs)
    document.add_page()
    return document

"""PDF documents with fpdf2: the petition hand-over and the letters bundle.

fpdf2's core fonts know only Latin-1, so every document embeds DejaVu Sans (vendored in
``fonts/`` with its licence: the output is the same on every machine, whether or not the
system has fonts installed). Only the glyphs used are embedded (fpdf2 subsets the font).

Names come in every script. DejaVu Sans covers Latin, Greek, Cyrillic, Hebrew and Arabic;
for the rest a document falls back, character by character, on the fonts in
:data:`FALLBACK_FONTS` (Noto, vendored in ``fonts/`` with the SIL Open Font Licence; see
``fonts/README.md`` for where each file comes from). A fallback font is read only when a
document first needs it (the CJK font is large). Text is shaped by HarfBuzz (fpdf2's text
shaping with ``uharfbuzz``): Arabic letters join, right-to-left runs are laid out
right to left and stay in logical order for copying and search. A character that no font
has — emoji above all, which print in colour nowhere — is replaced by
:data:`MISSING_MARK`, once for a whole emoji sequence, so the reader sees that something
was left out (:meth:`Document.printable`).

fpdf2 holds a document's pages in memory until it is written, so callers cut large
bundles into parts (see :mod:`aktivist.campaigns.handover`). Paragraphs are wrapped once
and the lines reused: most letters share the action's text, so a bundle of thousands of
letters costs little more than its page count.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
MARGIN = 20  # mm
WRAP_CACHE_MAX = 512
PRIMARY_FILE = "DejaVuSans.ttf"
# (family, file): tried in this order for a character DejaVu Sans lacks.
FALLBACK_FONTS: tuple[tuple[str, str], ...] = (
    ("NotoSans", "NotoSans-Regular.ttf"),
    ("NotoSansArabic", "NotoSansArabic-Regular.ttf"),
    ("NotoSansEthiopic", "NotoSansEthiopic-Regular.ttf"),
    ("NotoSansCJKsc", "NotoSansCJKsc-Regular-GB2312.ttf"),
)
SHAPING_FROM = 0x2FF  # text with a character past Latin Extended-B and IPA is shaped
MISSING_MARK = "□"  # in DejaVu Sans: what a left-out character (an emoji) prints as


@functools.cache
def font_coverage(filename: str) -> frozenset[int]:
    """The code points a vendored font has (its cmap only is read: cheap even for CJK)."""
    with TTFont(str(FONT_DIR / filename), lazy=True) as font:
        return frozenset(font.getBestCmap())


def _is_pictograph(code: int) -> bool:
    """Emoji and other pictographs (including flags' regional indicators)."""
    return 0x1F000 <= code <= 0x1FAFF


def _is_modifier(char: str) -> bool:
    """Joiners, variation selectors, skin tones, tags and combining marks: parts of the
    character before them."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Cf")
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0000 <= code <= 0xE007F
        or code == 0x20E3
    )


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
        self.set_text_shaping(True)
        self._shaping = self.text_shaping
        self._fallbacks: list[str] = []
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

    # -- fonts

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """fpdf2's hook for a character the current font lacks: the first vendored fallback
        font that has it, added to the document the first time it is needed."""
        code = ord(char)
        for family, filename in FALLBACK_FONTS:
            if code not in font_coverage(filename):
                continue
            if family not in self._fallbacks:
                self.add_font(family, "", str(FONT_DIR / filename))
                self._fallbacks.append(family)
                self.set_fallback_fonts(self._fallbacks, exact_match=False)
            return family.lower()
        return None

    def printable(self, text: str) -> str:
        """The text with every character no font can print — and every emoji — replaced by
        MISSING_MARK, once per run (an emoji sequence with its joiners and modifiers is one
        mark); a modifier that no font has is dropped silently."""
        out: list[str] = []
        dropped = False
        for index, char in enumerate(text):
            if char in "\n\r\t":  # line breaks and tabs: layout, not glyphs
                dropped = False
                out.append(char)
                continue
            code = ord(char)
            covered = self._covered(code)
            if _is_modifier(char):
                if covered and not dropped:
                    out.append(char)
                continue
            emoji = _is_pictograph(code) or text[index + 1 : index + 2] == "\ufe0f"
            if emoji or not covered:
                if not dropped:
                    out.append(MISSING_MARK)
                dropped = True
                continue
            dropped = False
            out.append(char)
        return "".join(out)

    def _prepare(self, text: str) -> str:
        """The printable text, with HarfBuzz shaping switched on only for text beyond the
        Latin letters (shaping every cell makes a 10,000-name hand-over five times
        slower, and Latin names look the same without it)."""
        text = self.printable(text)
        self.text_shaping = self._shaping if any(ord(c) > SHAPING_FROM for c in text) else None
        return text

    @staticmethod
    def _covered(code: int) -> bool:
        return code in font_coverage(PRIMARY_FILE) or any(
            code in font_coverage(filename) for _family, filename in FALLBACK_FONTS
        )

    # -- text

    def fit(self, text: str, width: float) -> str:
        """The text, cut with an ellipsis where it would run past ``width`` mm."""
        text = self._prepare(text)
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
        for line in self._wrap(self._prepare(text), style, size):
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

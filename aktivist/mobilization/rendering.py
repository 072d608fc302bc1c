"""Messages from Markdown with merge fields to a subject, a text part and an HTML part.

Staff write ``{{ first_name }}`` or, with a fallback for people who lack the value,
``{{ first_name | vän }}``. A message is compiled once per language: its merge fields
become markers, the Markdown is rendered to HTML (raw HTML in the source is shown as text,
never passed on) and to plain text, and both are wrapped in the email layout. Filling it
for a recipient is a few string replacements with escaped values, so a mobilization to
hundreds of thousands renders the Markdown only twice.

Nothing that looks like a merge field can reach a recipient unfilled: ``check_text``
refuses unknown fields and stray braces when the message is saved, and a field without a
value becomes its fallback or nothing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdown_it import MarkdownIt

MERGE_RE = re.compile(r"\{\{\s*([^{}|\s]+)\s*(?:\|([^{}|]*))?\}\}")
STRAY_RE = re.compile(r"\{\{|\}\}|\{%|%\}")
MARKER = "MRGFLD{}X"  # letters and digits only: Markdown leaves them alone, URLs too
MARKER_RE = re.compile(r"MRGFLD(\d+)X")


@dataclass(frozen=True)
class MergeField:
    key: str
    label: Any
    example: str
    needs: str = ""  # "action" or "event": the message must link one
    is_url: bool = False


MERGE_FIELDS: dict[str, MergeField] = {
    f.key: f
    for f in (
        MergeField("first_name", gettext_lazy("First name"), "Amir"),
        MergeField("last_name", gettext_lazy("Last name"), "Karimi"),
        MergeField("full_name", gettext_lazy("Full name"), "Amir Karimi"),
        MergeField("local_group", gettext_lazy("Local group"), "Grupp Malmö"),
        MergeField(
            "action_link",
            gettext_lazy("Personal link to the action"),
            "https://…/r/…/",
            needs="action",
            is_url=True,
        ),
        MergeField(
            "event_link",
            gettext_lazy("Personal link to the event"),
            "https://…/r/…/event/",
            needs="event",
            is_url=True,
        ),
        MergeField(
            "preferences_link",
            gettext_lazy("Link to the person's email preferences"),
            "https://…/p/…/",
            is_url=True,
        ),
        MergeField(
            "unsubscribe_link", gettext_lazy("Unsubscribe link"), "https://…/u/…/", is_url=True
        ),
    )
}


def check_text(
    text: str, *, has_action: bool, has_event: bool, extra_fields: tuple[str, ...] = ()
) -> list[str]:
    """Problems with a subject or body: unknown merge fields, fields whose link is missing,
    braces that are not a merge field. Empty when the text is fine. ``extra_fields`` are
    known too (an urgent template's case fields, filled in before the message is sent)."""
    problems: list[str] = []
    for match in MERGE_RE.finditer(text):
        key = match.group(1)
        merge_field = MERGE_FIELDS.get(key)
        if merge_field is None and key in extra_fields:
            continue
        if merge_field is None:
            problems.append(
                _("Unknown merge field “%(field)s”. Known fields: %(known)s.")
                % {"field": key, "known": ", ".join([*MERGE_FIELDS, *extra_fields])}
            )
        elif merge_field.needs == "action" and not has_action:
            problems.append(_("{{ action_link }} needs an action: choose one for the message."))
        elif merge_field.needs == "event" and not has_event:
            problems.append(_("{{ event_link }} needs an event: choose one for the message."))
    leftover = MERGE_RE.sub("", text)
    if STRAY_RE.search(leftover):
        problems.append(
            _(
                "Braces that are not a merge field: write merge fields as "
                "{{ first_name }} or {{ first_name | fallback }}."
            )
        )
    return list(dict.fromkeys(problems))


# --- Compiling: once per message and language ------------------------------------------------


@dataclass
class Slots:
    """The merge fields of a compiled text: marker number → (field, fallback)."""

    fields: list[tuple[str, str]] = field(default_factory=list)

    def mark(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            self.fields.append((match.group(1), (match.group(2) or "").strip()))
            return MARKER.format(len(self.fields) - 1)

        return MERGE_RE.sub(replace, text)


@dataclass(frozen=True)
class Compiled:
    """A message in one language with markers where the merge fields go."""

    language: str
    subject: str
    text: str
    html: str
    fields: tuple[tuple[str, str], ...]

    def fill(self, values: dict[str, str]) -> tuple[str, str, str]:
        """(subject, text, html) for one recipient; values missing or empty take the
        field's fallback (or nothing)."""

        def value(index: int) -> str:
            key, fallback = self.fields[index]
            return values.get(key) or fallback

        def plain(match: re.Match[str]) -> str:
            return value(int(match.group(1)))

        def escaped(match: re.Match[str]) -> str:
            return html.escape(value(int(match.group(1))), quote=True)

        subject = " ".join(MARKER_RE.sub(plain, self.subject).split())
        return subject, MARKER_RE.sub(plain, self.text), MARKER_RE.sub(escaped, self.html)


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown_to_html(source: str) -> str:
    """CommonMark without raw HTML (shown as text) and without unsafe link schemes."""
    return str(_markdown.render(source))


def compile_message(*, subject: str, body: str, language: str, layout: bool = True) -> Compiled:
    """Compile one language version. With ``layout`` the parts are wrapped in the email
    layout (greeting-free frame, footer with why the person gets this and the
    preferences/unsubscribe links)."""
    slots = Slots()
    marked_subject = slots.mark(subject)
    marked_body = slots.mark(body.replace("\r\n", "\n"))
    body_html = markdown_to_html(marked_body)
    body_text = html_to_text(body_html)
    if layout:
        # The footer's links are merge fields too.
        unsubscribe = slots.mark("{{ unsubscribe_link }}")
        preferences = slots.mark("{{ preferences_link }}")
        context = {
            "body_html": mark_safe(body_html),  # noqa: S308 - rendered by markdown-it, no raw HTML
            "body_text": body_text,
            "subject": marked_subject,
            "unsubscribe_url": unsubscribe,
            "preferences_url": preferences,
            "organisation_name": settings.ORGANISATION_NAME,
            "language": language,
        }
        with translation.override(language):
            full_html = str(render_to_string("emails/mobilization/bulk/body.html", context))
            full_text = str(render_to_string("emails/mobilization/bulk/body.txt", context))
    else:
        full_html, full_text = body_html, body_text
    return Compiled(
        language=language,
        subject=marked_subject,
        text=full_text,
        html=full_html,
        fields=tuple(slots.fields),
    )


# --- HTML to plain text ---------------------------------------------------------------------


class _TextWriter(HTMLParser):
    """The text part from the rendered Markdown: paragraphs, lists, quotes and links as
    "label (address)"."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.quote = 0
        self.pre = False

    def _newline(self, count: int = 1) -> None:
        text = "".join(self.out).rstrip(" ")
        trailing = len(text) - len(text.rstrip("\n"))
        if text and trailing < count:
            self.out = [text + "\n" * (count - trailing)]
        else:
            self.out = [text]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote"):
            self._newline(2)
            if tag == "blockquote":
                self.quote += 1
            if tag == "pre":
                self.pre = True
        elif tag in ("ul", "ol"):
            self._newline(2 if not self.lists else 1)
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._newline(1)
            indent = "  " * (len(self.lists) - 1)
            if self.lists and self.lists[-1][0]:
                self.lists[-1][1] += 1
                self.out.append(f"{indent}{self.lists[-1][1]}. ")
            else:
                self.out.append(f"{indent}- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._newline(2)
            self.out.append("----")
            self._newline(2)
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("\x00")  # where the label starts

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"):
            self._newline(2)
            if tag == "pre":
                self.pre = False
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._newline(2)
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._newline(2 if not self.lists else 1)
        elif tag == "a":
            href = self.links.pop() if self.links else ""
            text = "".join(self.out)
            start = text.rfind("\x00")
            label = text[start + 1 :] if start >= 0 else ""
            before = text[:start] if start >= 0 else text
            if href and label.strip() and label.strip() != href:
                self.out = [f"{before}{label} ({href})"]
            else:
                self.out = [f"{before}{href or label}"]

    def handle_data(self, data: str) -> None:
        at_line_start = not self.out or "".join(self.out).endswith("\n")
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if at_line_start:
                data = data.lstrip()
                if not data:
                    return
        if self.quote and at_line_start:
            data = "> " * self.quote + data
        self.out.append(data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.out).replace("\x00", "").split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def html_to_text(source: str) -> str:
    writer = _TextWriter()
    writer.feed(source)
    writer.close()
    return writer.text()

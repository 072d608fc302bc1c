"""Hand-over of a petition (or any action) and the letters bundle, as CSV and PDF.

What a hand-over holds:

* the **count of all signatures** — erased people included: counts never go down;
* **names with postcodes only of the signers who agreed to be named** (``named``) and who
  are still on record. A scoped viewer (district representative, group coordinator) gets
  only the named signers they may see as people, and the count of all; national staff get
  every named signer.

Letters (letter actions) are printed one per page: the target's name and address, the
letter and the signer's name and postcode/city. Every signer of a letter signs it with
their name, so the bundle holds every letter of the people on record that the viewer
may see.

fpdf2 keeps a document in memory until it is written, so PDFs come in parts of at most
:data:`PETITION_PART` names or :data:`LETTERS_PART` letters (``?part=2``); the CSV is
streamed row by row whatever its size. Every download writes one
``campaigns.handover_export`` audit event with counts only — before a byte leaves.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.campaigns import letters as letter_service
from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.pdf import new_document
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.core.reads import EXPORT, record_reads
from aktivist.core.spreadsheets import csv_stream
from aktivist.people.selectors import people_visible_to

PETITION_PART = 10_000  # names per PDF part
LETTERS_PART = 1_000  # letters (pages) per PDF part
CHUNK = 2_000
VERB = "campaigns.handover_export"


class NoSuchPart(ApplicationError):
    """A part number outside the bundle."""


def _on_record(viewer: Any, action: Action) -> QuerySet[Participation]:
    """The action's participations whose person is on record and in the viewer's sight."""
    qs = Participation.objects.filter(action=action, person__isnull=False, person__is_active=True)
    if not scope_for(viewer).is_national:
        qs = qs.filter(person__in=people_visible_to(viewer))
    return qs


def named_signers(viewer: Any, action: Action) -> QuerySet[Participation]:
    return _on_record(viewer, action).filter(named=True)


def letter_participations(viewer: Any, action: Action) -> QuerySet[Participation]:
    return _on_record(viewer, action)


@dataclass(frozen=True)
class Summary:
    total: int  # every signature, erased people included
    named: int  # named signers in this viewer's hand-over
    complete: bool  # True: every named signer (national viewers)
    letters: int  # letters in this viewer's bundle (letter actions), else 0

    @property
    def petition_parts(self) -> int:
        return max(1, math.ceil(self.named / PETITION_PART))

    @property
    def letter_parts(self) -> int:
        return max(1, math.ceil(self.letters / LETTERS_PART))


def summary(viewer: Any, action: Action) -> Summary:
    return Summary(
        total=Participation.objects.filter(action=action).count(),
        named=named_signers(viewer, action).count(),
        complete=scope_for(viewer).is_national,
        letters=letter_participations(viewer, action).count() if action.is_letter else 0,
    )


def _part_range(count: int, part: int, size: int) -> tuple[int, int]:
    """(offset, limit) of a 1-based part; NoSuchPart outside 1..parts."""
    parts = max(1, math.ceil(count / size))
    if not 1 <= part <= parts:
        raise NoSuchPart(_("There is no such part."))
    return (part - 1) * size, size


def _audit(actor: Any, action: Action, fmt: str, *, people: Any = None, **details: Any) -> None:
    """One event for the hand-over file, and one export row per person named in it (the
    audit of reads: aktivist/core/reads.py) — ``people``: participations or their ids."""
    audit.record(actor=actor, verb=VERB, obj=action, details={"format": fmt, **details})
    if people is not None:
        record_reads(
            actor=actor,
            verb=EXPORT,
            person_ids=people,
            details={"export": VERB, "action": action.pk, "format": fmt},
        )


def _stamp() -> str:
    return timezone.localdate().isoformat()


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def _name_rows(qs: QuerySet[Participation]) -> Iterator[tuple[str, str, str]]:
    rows = qs.order_by("pk").values_list(
        "person__first_name", "person__last_name", "person__postcode"
    )
    yield from rows.iterator(chunk_size=CHUNK)


# --- CSV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    stream: Iterator[bytes] | None = None
    content: bytes = b""


def petition_csv(*, actor: Any, action: Action) -> Download:
    """The hand-over as CSV for Swedish Excel (the people export's writer: UTF-8 with BOM,
    ``;``, formula-escaped): a few lines about the action and the count, then one row per
    named signer (first name, last name, postcode)."""
    qs = named_signers(actor, action)
    with transaction.atomic():
        total = Participation.objects.filter(action=action).count()
        named = qs.count()
        _audit(
            actor,
            action,
            "csv",
            people=qs,
            signatures=total,
            named=named,
            complete=scope_for(actor).is_national,
        )

    def rows() -> Iterator[list[Any]]:
        if action.target_name:
            yield [_("Target"), action.target_name]
        yield [_("Date"), timezone.localdate()]
        yield [_("Signatures"), total]
        yield [_("Named signers in this list"), named]
        yield []
        yield [_("First name"), _("Last name"), _("Postcode")]
        for first, last, postcode in _name_rows(qs):
            yield [first, last, postcode]

    return Download(
        filename=f"overlamning-{action.slug}-{_stamp()}.csv",
        content_type="text/csv; charset=utf-8",
        stream=csv_stream(rows(), [_("Action"), action.title()]),
    )


# --- PDF -----------------------------------------------------------------------------------


def _title_block(document: Any, action: Action, *, heading: str) -> None:
    document.text_line(settings.ORGANISATION_NAME, size=9)
    document.gap(8)
    document.text_line(heading, size=12)
    document.paragraph(action.title(), size=20, bold=True, height=9)
    document.gap(4)
    if action.target_name:
        document.text_line(_("To: %(target)s") % {"target": action.target_name}, size=12)
    document.text_line(
        _("Handed over on %(date)s")
        % {"date": formats.date_format(timezone.localdate(), "DATE_FORMAT")},
        size=12,
    )


def petition_pdf(*, actor: Any, action: Action, part: int = 1) -> Download:
    """A title page (action, target, date, the count of all signatures), then the named
    signers — name and postcode — in signing order, up to PETITION_PART per part."""
    qs = named_signers(actor, action)
    complete = scope_for(actor).is_national
    with transaction.atomic():
        total = Participation.objects.filter(action=action).count()
        named = qs.count()
        offset, limit = _part_range(named, part, PETITION_PART)
        parts = max(1, math.ceil(named / PETITION_PART))
        in_part = max(0, min(limit, named - offset))
        _audit(
            actor,
            action,
            "pdf",
            people=list(
                qs.order_by("pk").values_list("person_id", flat=True)[offset : offset + limit]
            ),
            signatures=total,
            named=named,
            rows=in_part,
            part=part,
            complete=complete,
        )

    title = action.title()
    document = new_document(
        title=title, author=settings.ORGANISATION_NAME, footer=_("Hand-over: %s") % title
    )
    _title_block(document, action, heading=str(action.get_kind_display()))
    document.gap(12)
    document.paragraph(
        _("%(count)s signatures") % {"count": _number(total)}, size=28, bold=True, height=13
    )
    document.gap(4)
    if named:
        document.paragraph(
            _(
                "%(named)s of the signers agreed to be named. Their names and postcodes follow; "
                "the others are counted but not named."
            )
            % {"named": _number(named)}
        )
    else:
        document.paragraph(_("No signer in this list agreed to be named."))
    if not complete:
        document.gap(2)
        document.paragraph(_("The names are only those of the signers in your area."))
    if parts > 1:
        document.gap(2)
        document.paragraph(
            _("Part %(part)s of %(parts)s: names %(first)s–%(last)s.")
            % {
                "part": part,
                "parts": parts,
                "first": _number(offset + 1),
                "last": _number(offset + in_part),
            }
        )
    if in_part:
        document.add_page()
        document.text_line(_("Named signers"), size=14, bold=True, height=9)
        number_width, postcode_width = 18.0, 30.0
        name_width = document.epw - number_width - postcode_width
        document.row([("", number_width), (_("Name"), name_width), (_("Postcode"), 0)], size=9)
        window = qs.order_by("pk").values_list(
            "person__first_name", "person__last_name", "person__postcode"
        )[offset : offset + limit]
        for index, (first, last, postcode) in enumerate(window.iterator(chunk_size=CHUNK)):
            document.row(
                [
                    (f"{offset + index + 1}.", number_width),
                    (" ".join(p for p in (first, last) if p), name_width),
                    (postcode or "", 0),
                ]
            )
    suffix = f"-del-{part}" if parts > 1 else ""
    return Download(
        filename=f"overlamning-{action.slug}-{_stamp()}{suffix}.pdf",
        content_type="application/pdf",
        content=document.to_bytes(),
    )


def letters_pdf(*, actor: Any, action: Action, part: int = 1) -> Download:
    """The letters one per page: the target's name and address, the date, the subject, the
    letter and the signer's name, postcode and city. LETTERS_PART letters per part."""
    if not action.is_letter:
        raise ApplicationError(_("This action has no letters."))
    qs = letter_participations(actor, action)
    with transaction.atomic():
        count = qs.count()
        offset, limit = _part_range(count, part, LETTERS_PART)
        parts = max(1, math.ceil(count / LETTERS_PART))
        in_part = max(0, min(limit, count - offset))
        _audit(
            actor,
            action,
            "letters_pdf",
            people=list(
                qs.order_by("pk").values_list("person_id", flat=True)[offset : offset + limit]
            ),
            signatures=Participation.objects.filter(action=action).count(),
            letters=count,
            rows=in_part,
            part=part,
            complete=scope_for(actor).is_national,
        )
    title = action.title()
    document = new_document(title=title, author=settings.ORGANISATION_NAME, footer=title)
    if not in_part:
        _title_block(document, action, heading=_("Letters"))
        document.gap(8)
        document.paragraph(_("No letters yet."))
    date = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    start_after = 0
    if offset:
        start_after = qs.order_by("pk").values_list("pk", flat=True)[offset - 1]
    letters = letter_service.letters_of(qs.filter(pk__gt=start_after), action)
    for index, letter in enumerate(letters):
        if index >= in_part:
            break
        if index:
            document.add_page()
        if action.target_name:
            document.text_line(action.target_name, bold=True)
        if action.target_address:
            document.paragraph(action.target_address)
        document.gap(10)
        document.text_line(date)
        document.gap(6)
        document.paragraph(letter.subject, size=13, bold=True, height=6.5)
        document.gap(4)
        document.paragraph(letter.text, height=5.5)
        document.gap(8)
        document.text_line(letter.signer_name)
        if letter.signer_place:
            document.text_line(letter.signer_place)
    suffix = f"-del-{part}" if parts > 1 else ""
    return Download(
        filename=f"brev-{action.slug}-{_stamp()}{suffix}.pdf",
        content_type="application/pdf",
        content=document.to_bytes(),
    )

"""Letters to a decision maker: each signer's letter, delivered to the action's target.

* ``letter_delivery == email``: :func:`send_letters` (the daily job
  ``campaigns.send_letters``) sends every unsent letter as its own email to
  ``action.target_email`` through the transactional email helper, and marks the
  participation's ``letter_sent_at`` the moment the mail server has accepted it — a worker
  killed mid-batch repeats at most the one letter it had in flight. The scheduler runs the
  job once a day (one ``ScheduledRun`` per day), so two batches never run side by side.
* ``letter_delivery == pdf``: the letters are printed one per page for hand-over
  (:mod:`aktivist.campaigns.handover`).

A letter is the signer's own text, or the action's letter in the signer's language, signed
with the signer's name, postcode and city. The signer's email address and phone never
reach the target: no Reply-To, nothing in the body. Erased people (``person`` null) have
no letter to send and are skipped. One audit event per action and batch holds the counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from aktivist.campaigns.models import Action, Participation
from aktivist.core import audit, emails

logger = logging.getLogger(__name__)

CHUNK = 500
LETTER_EMAIL = "campaigns/letter"
LETTER_FIELDS = (
    "pk",
    "letter_text",
    "person__first_name",
    "person__last_name",
    "person__postcode",
    "person__city",
    "person__language",
)


@dataclass(frozen=True)
class Letter:
    """One signer's letter, ready to send or print."""

    participation_id: int
    subject: str
    text: str
    signer_name: str
    signer_place: str  # "211 45 Malmö": postcode and city, as far as known
    language: str


def _postcode(value: str) -> str:
    digits = value.replace(" ", "")
    return f"{digits[:3]} {digits[3:]}" if len(digits) == 5 and digits.isdigit() else value


def compose(action: Action, row: tuple[Any, ...]) -> Letter:
    """The letter for one row of :data:`LETTER_FIELDS`."""
    pk, own_text, first, last, postcode, city, language = row
    language = language or "sv"
    text = (own_text or "").strip() or action.letter_text(language).strip()
    place = " ".join(part for part in (_postcode(postcode or ""), city or "") if part)
    return Letter(
        participation_id=pk,
        subject=action.letter_subject or action.title(language),
        text=text,
        signer_name=" ".join(part for part in (first, last) if part),
        signer_place=place,
        language=language,
    )


def letters_of(queryset: QuerySet[Participation], action: Action) -> Iterator[Letter]:
    """The letters of these participations in signing order, read in chunks (keyset on the
    primary key, so memory stays flat however many there are). Erased people are left out."""
    qs = queryset.filter(person__isnull=False, person__is_active=True)
    last_pk = 0
    while True:
        rows = list(qs.filter(pk__gt=last_pk).order_by("pk").values_list(*LETTER_FIELDS)[:CHUNK])
        if not rows:
            return
        for row in rows:
            yield compose(action, row)
        last_pk = rows[-1][0]


def actions_with_letters_to_send() -> QuerySet[Action]:
    """Published letter actions delivered by email, with a target address and at least one
    unsent letter. Closed actions still send the letters signed while they were open."""
    # Correlated per action (the partial index on unsent letters): petitions' participations,
    # whose letter_sent_at is always empty, are never scanned.
    unsent = Participation.objects.filter(
        action=OuterRef("pk"),
        letter_sent_at__isnull=True,
        person__isnull=False,
        person__is_active=True,
    )
    return (
        Action.objects.filter(
            kind=Action.Kind.LETTER,
            letter_delivery=Action.LetterDelivery.EMAIL,
            is_published=True,
        )
        .exclude(target_email="")
        .filter(Exists(unsent))
        .order_by("pk")
    )


@dataclass
class BatchResult:
    action_id: int
    sent: int = 0
    failed: bool = False
    error: str = ""


@dataclass
class SendResult:
    batches: list[BatchResult] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(b.sent for b in self.batches)

    @property
    def failed(self) -> int:
        return sum(1 for b in self.batches if b.failed)


def _context(action: Action, letter: Letter) -> dict[str, Any]:
    return {
        "subject": letter.subject,
        "letter_text": letter.text,
        "signer_name": letter.signer_name,
        "signer_place": letter.signer_place,
        "target_name": action.target_name,
        "action_title": action.title(letter.language),
        "organisation": settings.ORGANISATION_NAME,
    }


def send_action_letters(action: Action) -> BatchResult:
    """Send the action's unsent letters, one email each; stop at the first refusal (the
    mail server is down, the address is refused): the next day's batch tries again."""
    result = BatchResult(action_id=action.pk)
    unsent = Participation.objects.filter(action=action, letter_sent_at__isnull=True)
    try:
        for letter in letters_of(unsent, action):
            emails.send_transactional(
                LETTER_EMAIL,
                to=action.target_email,
                language=letter.language,
                context=_context(action, letter),
                headers={"Auto-Submitted": "auto-generated"},
            )
            # Accepted: mark it at once, so a crash later in the batch never resends it.
            Participation.objects.filter(
                pk=letter.participation_id, letter_sent_at__isnull=True
            ).update(letter_sent_at=timezone.now())
            result.sent += 1
    except Exception as exc:  # any refusal stops this batch, never the run
        result.failed = True
        result.error = type(exc).__name__
        logger.warning(
            "letters batch stopped action=%s sent=%d error=%s",
            action.pk,
            result.sent,
            result.error,
        )
    remaining = unsent.filter(person__isnull=False, person__is_active=True).count()
    audit.record(
        actor=None,
        verb="campaigns.letters_sent",
        obj=action,
        details={
            "sent": result.sent,
            "remaining": remaining,
            "stopped": result.failed,
            "error": result.error,
        },
    )
    logger.info("letters sent action=%s sent=%d remaining=%d", action.pk, result.sent, remaining)
    return result


def send_letters() -> SendResult:
    """The daily batch: every letter action delivered by email, one after the other."""
    result = SendResult()
    for action in actions_with_letters_to_send():
        result.batches.append(send_action_letters(action))
    return result

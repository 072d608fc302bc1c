"""Consent given on public forms: the exact wording shown, pending until confirmed.

Email consent is confirmed by double opt-in (a signed link sent by the core email helper),
SMS consent by a code sent to the mobile (the core SMS helper). Nothing is sent to an
address whose consent is not confirmed, except these confirmation messages themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.people.models import Consent, ConsentWording, Person

EMAIL_TOKEN_SALT = "aktivist.people.consent-email"  # noqa: S105 (a salt, not a secret)
EMAIL_TOKEN_MAX_AGE = 60 * 60 * 24 * 14  # a confirmation link works for two weeks
SMS_CODE_MAX_AGE = 60 * 30  # a code works for 30 minutes
SMS_CODE_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ConsentChoice:
    """One tick box of a public form and the consents it records."""

    key: str
    purpose: str
    channels: tuple[str, ...]  # sms rows only when the signer gave a mobile
    version: str
    label: object  # lazy text, the exact wording shown


CHOICES: dict[str, ConsentChoice] = {
    "email_news": ConsentChoice(
        key="email_news",
        purpose=Consent.Purpose.CAMPAIGNS,
        channels=(Consent.Channel.EMAIL,),
        version="2026-11-email-news-1",
        label=gettext_lazy(
            "Yes, send me news and calls to action by email. I can unsubscribe at any time."
        ),
    ),
    "sms": ConsentChoice(
        key="sms",
        purpose=Consent.Purpose.CAMPAIGNS,
        channels=(Consent.Channel.SMS,),
        version="2026-11-sms-news-1",
        label=gettext_lazy("Yes, send me calls to action by SMS. I can reply STOPP at any time."),
    ),
    "rapid_response": ConsentChoice(
        key="rapid_response",
        purpose=Consent.Purpose.RAPID_RESPONSE,
        channels=(Consent.Channel.EMAIL, Consent.Channel.SMS),
        version="2026-11-rapid-response-1",
        label=gettext_lazy(
            "Yes, add me to the rapid-response network: email and SMS when someone is at "
            "risk and quick action can help."
        ),
    ),
}


def wording_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_known_wordings: set[str] = set()


def wording_for(choice: ConsentChoice, language: str) -> tuple[str, str]:
    """The text shown in this language and its hash; the text is kept once in
    ConsentWording so the words a person agreed to can always be found again."""
    from django.utils import translation

    with translation.override(language):
        text = str(choice.label)
    digest = wording_hash(text)
    if digest not in _known_wordings:
        try:
            with transaction.atomic():
                ConsentWording.objects.get_or_create(
                    text_hash=digest,
                    defaults={
                        "version": choice.version,
                        "language": language,
                        "purpose": choice.purpose,
                        "channel": choice.channels[0],
                        "text": text,
                    },
                )
        except IntegrityError:
            pass  # a parallel request stored the same text
        _known_wordings.add(digest)
    return text, digest


def consents_request(
    *,
    person: Person,
    choices: Iterable[str],
    language: str,
    source: str,
    has_mobile: bool,
    pending_mobile: str = "",
) -> list[Consent]:
    """Record the ticked choices as pending consents (a confirmed one stays confirmed; a
    withdrawn one becomes pending again: a new "yes" must be confirmed anew). Returns the
    consents that wait for confirmation."""
    wanted: list[tuple[ConsentChoice, str]] = []
    for key in choices:
        choice = CHOICES[key]
        for channel in choice.channels:
            if channel == Consent.Channel.SMS and not has_mobile:
                continue
            wanted.append((choice, channel))
    if not wanted:
        return []
    existing = {
        (c.channel, c.purpose): c
        for c in Consent.objects.filter(person=person, purpose__in={c.purpose for c, _ in wanted})
    }
    pending: list[Consent] = []
    for choice, channel in wanted:
        _text, digest = wording_for(choice, language)
        consent = existing.get((channel, choice.purpose))
        if consent is not None and consent.status == Consent.Status.CONFIRMED:
            continue
        if consent is None:
            consent = Consent(person=person, channel=channel, purpose=choice.purpose)
        consent.status = Consent.Status.PENDING
        consent.wording_version = choice.version
        consent.wording_hash = digest
        consent.source = source[:200]
        consent.withdrawn_at = None
        if channel == Consent.Channel.SMS:
            consent.pending_mobile = pending_mobile
        consent.save()
        pending.append(consent)
    return pending


# --- Email: double opt-in -----------------------------------------------------------------


def email_confirmation_token(consent_ids: Iterable[int]) -> str:
    return signing.dumps(sorted(consent_ids), salt=EMAIL_TOKEN_SALT, compress=True)


class ConfirmationInvalid(ApplicationError):
    pass


@transaction.atomic
def consents_confirm_email(token: str) -> list[Consent]:
    """Confirm the email consents a double opt-in link names. Confirming twice is harmless."""
    try:
        ids = signing.loads(token, salt=EMAIL_TOKEN_SALT, max_age=EMAIL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ConfirmationInvalid(
            gettext(
                "This confirmation link is not valid or has expired. Sign again to get a new one."
            )
        ) from None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ConfirmationInvalid(gettext("This confirmation link is not valid."))
    consents = list(
        Consent.objects.select_for_update()
        .filter(pk__in=ids, channel=Consent.Channel.EMAIL, person__is_active=True)
        .exclude(status=Consent.Status.WITHDRAWN)
    )
    now = timezone.now()
    for consent in consents:
        if consent.status == Consent.Status.PENDING:
            consent.status = Consent.Status.CONFIRMED
            consent.confirmed_at = now
            consent.confirmed_by = Consent.ConfirmedBy.DOUBLE_OPT_IN
            consent.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
            audit.record(
                actor=None,
                verb="consent.confirm_email",
                obj=consent,
                person_id=consent.person_id,
                details={"purpose": consent.purpose},
            )
    return consents


# --- SMS: a code sent to the mobile -------------------------------------------------------


def _code_hash(consent_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{consent_id}:{code}".encode(), hashlib.sha256).hexdigest()


def sms_code_issue(consents: list[Consent]) -> str:
    """A fresh six-digit code for these pending SMS consents (one code for all of them)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    for consent in consents:
        consent.code_hash = _code_hash(consent.pk, code)
        consent.code_sent_at = now
        consent.code_attempts = 0
        consent.save(update_fields=["code_hash", "code_sent_at", "code_attempts", "updated_at"])
    return code


SMS_TOKEN_SALT = "aktivist.people.consent-sms"  # noqa: S105 (a salt, not a secret)


def sms_confirmation_token(consent_ids: Iterable[int]) -> str:
    """Names the SMS consents a code form confirms (carried by the thank-you page)."""
    return signing.dumps(sorted(consent_ids), salt=SMS_TOKEN_SALT, compress=True)


def sms_consent_ids(token: str) -> list[int]:
    try:
        ids = signing.loads(token, salt=SMS_TOKEN_SALT, max_age=EMAIL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return []
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        return []
    return ids


def consents_confirm_sms(*, consent_ids: Iterable[int], code: str) -> bool:
    """True when the code confirms the consents. Each wrong code counts against a small
    number of attempts; an expired or exhausted code confirms nothing."""
    code = "".join(ch for ch in code if ch.isdigit())
    now = timezone.now()
    with transaction.atomic():
        consents = list(
            Consent.objects.select_for_update()
            .select_related("person")
            .filter(
                pk__in=list(consent_ids),
                channel=Consent.Channel.SMS,
                status=Consent.Status.PENDING,
                person__is_active=True,
            )
            .exclude(code_hash="")
        )
        usable = [
            c
            for c in consents
            if c.code_attempts < SMS_CODE_MAX_ATTEMPTS
            and c.code_sent_at is not None
            and (now - c.code_sent_at).total_seconds() < SMS_CODE_MAX_AGE
        ]
        right = [c for c in usable if hmac.compare_digest(c.code_hash, _code_hash(c.pk, code))]
        if not right:
            for consent in usable:
                consent.code_attempts += 1
                consent.save(update_fields=["code_attempts", "updated_at"])
            return False
        for consent in right:
            _adopt_pending_mobile(consent)
            consent.status = Consent.Status.CONFIRMED
            consent.confirmed_at = now
            consent.confirmed_by = Consent.ConfirmedBy.SMS_CODE
            consent.code_hash = ""
            consent.save(
                update_fields=[
                    "status",
                    "confirmed_at",
                    "confirmed_by",
                    "code_hash",
                    "pending_mobile",
                    "updated_at",
                ]
            )
            audit.record(
                actor=None,
                verb="consent.confirm_sms",
                obj=consent,
                person_id=consent.person_id,
                details={"purpose": consent.purpose},
            )
    return True


def _adopt_pending_mobile(consent: Consent) -> None:
    """The code proved the signer owns the mobile: it becomes the person's mobile when they
    had none and nobody else holds it."""
    mobile = consent.pending_mobile
    consent.pending_mobile = ""
    person = consent.person
    if not mobile or person.mobile:
        return
    if Person.objects.filter(mobile=mobile).exists():
        return
    person.mobile = mobile
    person.save(update_fields=["mobile", "updated_at"])


def sms_consent_mobile(consent: Consent) -> str | None:
    return consent.person.mobile or consent.pending_mobile or None

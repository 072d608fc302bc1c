"""Consent given on public forms: the exact wording shown, pending until confirmed.

Email consent is confirmed by double opt-in (a signed link sent by the core email helper),
SMS consent by a code sent to the mobile (the core SMS helper). Nothing is sent to an
address whose consent is not confirmed, except these confirmation messages themselves.

A mobile typed on a public form for a known person who has none (``pending_mobile``)
becomes theirs only when both the code sent to it and a link sent to the person's own
inbox confirm it, in either order: whoever typed the email proves only the mobile. The
thank-you page's code form names its consents by a random ticket whose hash is kept on
them (``code_ticket``), never by their ids.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
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
        # -2: the Swedish wording names the network "snabbinsatsnätverket" (issue 17).
        version="2026-12-rapid-response-2",
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
    code_ticket: str = "",
) -> list[Consent]:
    """Record the ticked choices as pending consents (a confirmed one stays confirmed; a
    withdrawn one becomes pending again: a new "yes" must be confirmed anew). Returns the
    consents that wait for confirmation.

    ``pending_mobile``: a mobile for a person who has none, adopted only when both the code
    sent to it and a link sent to the person's inbox confirm it (a new request starts both
    proofs afresh). ``code_ticket``: the hash of the code form's ticket (new_code_ticket)
    kept on the pending SMS consents."""
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
            consent.pending_mobile_code_at = None
            consent.pending_mobile_inbox_at = None
            consent.code_ticket = code_ticket
        consent.save()
        pending.append(consent)
    return pending


# --- Email: double opt-in -----------------------------------------------------------------


def email_confirmation_token(consent_ids: Iterable[int]) -> str:
    return signing.dumps(sorted(consent_ids), salt=EMAIL_TOKEN_SALT, compress=True)


def _mobile_digest(mobile: str) -> str:
    """Names a pending mobile in a link without showing it (signed tokens are readable)."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"pending-mobile:{mobile}".encode(), hashlib.sha256).hexdigest()[:32]


def mobile_inbox_token(consents: Iterable[Consent]) -> str:
    """The link to the person's inbox that confirms the inbox step of SMS consents waiting
    to adopt a mobile: it names the consents and the mobile they waited for (a later
    request with another mobile is not confirmed by this link)."""
    items = sorted([c.pk, _mobile_digest(c.pending_mobile)] for c in consents)
    return signing.dumps({"m": items}, salt=EMAIL_TOKEN_SALT, compress=True)


class ConfirmationInvalid(ApplicationError):
    pass


def confirmation_link_state(token: object) -> str:
    """What a confirmation link is, without confirming anything: "valid", "expired" (ours,
    but older than EMAIL_TOKEN_MAX_AGE: its page says so) or "invalid" (not ours at all:
    a page that does not exist)."""
    if not isinstance(token, str) or not token or len(token) > 2000:
        return "invalid"
    try:
        signing.loads(token, salt=EMAIL_TOKEN_SALT, max_age=EMAIL_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return "expired"
    except (signing.BadSignature, ValueError):
        return "invalid"
    return "valid"


def _read_confirmation_token(token: str) -> tuple[list[int], dict[int, str]]:
    """The email consent ids and the SMS consents' pending-mobile digests a link names."""
    try:
        value = signing.loads(token, salt=EMAIL_TOKEN_SALT, max_age=EMAIL_TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ConfirmationInvalid(
            gettext(
                "This confirmation link is not valid or has expired. Sign again to get a new one."
            )
        ) from None
    if isinstance(value, list) and all(isinstance(i, int) for i in value):
        return value, {}
    items = value.get("m") if isinstance(value, dict) else None
    if isinstance(items, list) and all(
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], int)
        and isinstance(item[1], str)
        for item in items
    ):
        return [], {item[0]: item[1] for item in items}
    raise ConfirmationInvalid(gettext("This confirmation link is not valid."))


@transaction.atomic
def consents_confirm_email(token: str) -> list[Consent]:
    """Confirm the email consents a double opt-in link names, or the inbox step of the SMS
    consents a mobile link names (mobile_inbox_token). Confirming twice is harmless.
    Returns the consents the link confirmed (now or before)."""
    ids, mobiles = _read_confirmation_token(token)
    if mobiles:
        return _confirm_inbox_step(mobiles)
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


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(f"aktivist.code-ticket:{ticket}".encode()).hexdigest()


def new_code_ticket() -> tuple[str, str]:
    """A random ticket for a thank-you page's code form and the hash kept on the pending
    SMS consents it names: the page's URL carries the ticket, never a record's id."""
    ticket = secrets.token_urlsafe(24)
    return ticket, ticket_hash(ticket)


def consents_confirm_sms(
    *, code: str, consent_ids: Iterable[int] | None = None, ticket: str = ""
) -> bool:
    """True when the code is right for the pending SMS consents named by ``ticket`` (a
    thank-you page's code form) or by their ids: the mobile is proved. Each wrong code
    counts against a small number of attempts; an expired or exhausted code confirms
    nothing.

    A consent for the person's own mobile is confirmed. One that waits to adopt a mobile
    (pending_mobile) records the proof, and is confirmed, with the mobile adopted, once the
    person's inbox has confirmed too (in either order)."""
    code = "".join(ch for ch in code if ch.isdigit())
    if consent_ids is not None:
        named = Q(pk__in=list(consent_ids))
    elif ticket:
        # The second condition lets PostgreSQL use the partial index on non-empty tickets.
        named = Q(code_ticket=ticket_hash(ticket)) & ~Q(code_ticket="")
    else:
        return False
    now = timezone.now()
    with transaction.atomic():
        consents = list(
            Consent.objects.select_for_update()
            .select_related("person")
            .filter(
                named,
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
            consent.code_hash = ""
            if not consent.pending_mobile:
                _confirm_sms(consent, now, adopted=False)
                continue
            consent.pending_mobile_code_at = now
            if consent.pending_mobile_inbox_at is None:
                # The mobile is proved; the person's inbox has not answered yet.
                consent.save(update_fields=["code_hash", "pending_mobile_code_at", "updated_at"])
                audit.record(
                    actor=None,
                    verb="consent.mobile_code",
                    obj=consent,
                    person_id=consent.person_id,
                    details={"purpose": consent.purpose},
                )
                continue
            _adopt_and_confirm(consent, now)
    return True


def _confirm_inbox_step(mobiles: dict[int, str]) -> list[Consent]:
    """The person's inbox confirms the SMS consents waiting to adopt a mobile (the link
    names the mobile each waited for); with the code already confirmed, the mobile is
    adopted. Call inside a transaction."""
    consents = list(
        Consent.objects.select_for_update()
        .select_related("person")
        .filter(pk__in=list(mobiles), channel=Consent.Channel.SMS, person__is_active=True)
        .exclude(status=Consent.Status.WITHDRAWN)
    )
    now = timezone.now()
    answered: list[Consent] = []
    for consent in consents:
        if consent.status == Consent.Status.CONFIRMED:
            answered.append(consent)  # confirmed before: twice is harmless
            continue
        if not consent.pending_mobile or not hmac.compare_digest(
            mobiles[consent.pk], _mobile_digest(consent.pending_mobile)
        ):
            continue  # a later request waits for another mobile: this link is not for it
        answered.append(consent)
        if consent.pending_mobile_inbox_at is not None:
            continue
        consent.pending_mobile_inbox_at = now
        if consent.pending_mobile_code_at is None:
            consent.save(update_fields=["pending_mobile_inbox_at", "updated_at"])
            audit.record(
                actor=None,
                verb="consent.mobile_inbox",
                obj=consent,
                person_id=consent.person_id,
                details={"purpose": consent.purpose},
            )
            continue
        _adopt_and_confirm(consent, now)
    return answered


def _adopt_and_confirm(consent: Consent, now: datetime.datetime) -> None:
    """Both the code and the person's inbox confirmed the pending mobile: it becomes the
    person's mobile when they still have none and nobody else holds it, and the consent is
    confirmed. Otherwise the mobile is dropped and the consent stays pending (nothing is
    sent to a mobile that is not the person's)."""
    mobile = consent.pending_mobile
    person = Person.objects.select_for_update().get(pk=consent.person_id)
    adopted = person.mobile == mobile
    if not person.mobile and not Person.objects.filter(mobile=mobile).exists():
        person.mobile = mobile
        try:
            with transaction.atomic():
                person.save(update_fields=["mobile", "updated_at"])
        except IntegrityError:
            person.mobile = None  # taken by someone else in the meantime
        else:
            adopted = True
    if adopted:
        _confirm_sms(consent, now, adopted=True)
        return
    consent.pending_mobile = ""
    consent.pending_mobile_code_at = None
    consent.pending_mobile_inbox_at = None
    consent.code_ticket = ""
    consent.save(
        update_fields=[
            "code_hash",
            "pending_mobile",
            "pending_mobile_code_at",
            "pending_mobile_inbox_at",
            "code_ticket",
            "updated_at",
        ]
    )
    audit.record(
        actor=None,
        verb="consent.mobile_not_adopted",
        obj=consent,
        person_id=consent.person_id,
        details={"purpose": consent.purpose},
    )


def _confirm_sms(consent: Consent, now: datetime.datetime, *, adopted: bool) -> None:
    consent.status = Consent.Status.CONFIRMED
    consent.confirmed_at = now
    consent.confirmed_by = Consent.ConfirmedBy.SMS_CODE
    consent.code_hash = ""
    consent.code_ticket = ""
    consent.pending_mobile = ""
    consent.pending_mobile_code_at = None
    consent.pending_mobile_inbox_at = None
    consent.save(
        update_fields=[
            "status",
            "confirmed_at",
            "confirmed_by",
            "code_hash",
            "code_ticket",
            "pending_mobile",
            "pending_mobile_code_at",
            "pending_mobile_inbox_at",
            "updated_at",
        ]
    )
    details: dict[str, object] = {"purpose": consent.purpose}
    if adopted:
        details["mobile_adopted"] = True
    audit.record(
        actor=None,
        verb="consent.confirm_sms",
        obj=consent,
        person_id=consent.person_id,
        details=details,
    )


def sms_consent_mobile(consent: Consent) -> str | None:
    """Where the code goes: the mobile waiting to be adopted, else the person's own."""
    return consent.pending_mobile or consent.person.mobile or None


def mobile_ending(mobile: str) -> str:
    """The last two digits: enough for the owner to know their number, and no more."""
    return mobile[-2:]


WITHDRAW_STEP = 1000  # people per UPDATE of withdraw_consents


def withdraw_consents(
    *, person_ids: Sequence[int], channel: str, now: datetime.datetime | None = None
) -> int:
    """Withdraw these people's consents of one channel, every purpose (the bulk form of
    what unsubscribing and an SMS STOP do: an import's opt-out column). A withdrawn consent
    stays as it was. Returns how many consents changed."""
    now = now or timezone.now()
    ids = list(person_ids)
    changed = 0
    for start in range(0, len(ids), WITHDRAW_STEP):
        changed += (
            Consent.objects.filter(
                person_id__in=ids[start : start + WITHDRAW_STEP], channel=channel
            )
            .exclude(status=Consent.Status.WITHDRAWN)
            .update(status=Consent.Status.WITHDRAWN, withdrawn_at=now, updated_at=now)
        )
    return changed

"""Opt-out columns of other tools' exports: which columns say that a person said no (issue 16).

A file's unsubscribe, do-not-email, do-not-SMS, cleaned or bounced column is never dropped:
each such column is mapped to one of ``OPT_OUT_FIELDS`` (by header, Swedish and English, as
other tools write them: docs/peer-exports.md), and its value becomes a per-row opt-out
``(channel, reason, withdraws)``:

* ``reason`` is a suppression reason (``mobilization.models.Suppression.Reason``):
  ``unsubscribed``, ``bounced`` or ``complained``; the strongest of a row's columns wins
  per channel;
* ``withdraws`` says whether the person said no (unsubscribed, complained: their consents
  of the channel are withdrawn, and no consent the importer states is recorded for the
  row), or only that the address does not work (bounced: a suppression, not a withdrawal).

Values: yes/no, ja/nej, true/false, 1/0, x; status words in both languages (Action
Network's ``subscribed``, ``unsubscribed``, ``bouncing``, ``spam complaint``); a date or a
timestamp (Mailchimp's ``UNSUB_TIME``/``CLEAN_TIME``, NationBuilder's ``unsubscribed_at``)
means yes. An opt-in column (NationBuilder's ``email_opt_in``) inverts the yes/no: a no is
an opt-out, a yes is nothing (never a consent by itself). An empty cell says nothing; any
other value refuses the row, naming the column and the value.

Pure Python, no database: ``rows.clean_row`` calls ``row_opt_outs`` for the mapped columns.
The runner withdraws the consents (``people.consents.withdraw_consents``) and hands the
addresses to the *address suppressor* registered here (``register_address_suppressor``):
the mobilization app registers its bulk suppression path in its ready(), so this app
knows no suppression model.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The suppression reasons (the values of mobilization.models.Suppression.Reason; this
# module stays free of models), ranked: a stronger reason replaces a weaker one.
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"
COMPLAINED = "complained"
STRENGTH = {UNSUBSCRIBED: 1, BOUNCED: 2, COMPLAINED: 3}
EMAIL = "email"
SMS = "sms"

OptOut = tuple[str, str, bool]  # (channel, reason, withdraws the channel's consents)

# (channel, address, reason, person id or None) for each address to suppress for every
# purpose; the source (the import) and the time. Returns how many addresses it covered.
SuppressionEntry = tuple[str, str, str, int | None]
AddressSuppressor = Callable[..., int]
_address_suppressors: list[AddressSuppressor] = []


def register_address_suppressor(suppressor: AddressSuppressor) -> None:
    """Who records an import's suppressed addresses, called as
    ``suppressor(entries, source=…, now=…)`` (the mobilization app's ``suppress_many``)."""
    if suppressor not in _address_suppressors:
        _address_suppressors.append(suppressor)


def suppress_addresses(
    entries: Iterable[SuppressionEntry], *, source: str, now: dt.datetime
) -> None:
    """Suppress an import's opted-out addresses through the registered suppressor(s). An
    opt-out must never be dropped silently: with none registered, this refuses."""
    entries = list(entries)
    if entries and not _address_suppressors:
        raise ImproperlyConfigured("No address suppressor is registered for import opt-outs.")
    for suppressor in _address_suppressors:
        suppressor(entries, source=source, now=now)


@dataclass(frozen=True, slots=True)
class OptOutField:
    label: Promise
    channels: tuple[str, ...]
    reason: str  # what a yes means
    inverted: bool = False  # an opt-in column: a no is the opt-out


OPT_OUT_FIELDS: dict[str, OptOutField] = {
    "email_opt_out": OptOutField(
        gettext_lazy("Email opt-out (unsubscribed, do not email)"), (EMAIL,), UNSUBSCRIBED
    ),
    "sms_opt_out": OptOutField(
        gettext_lazy("SMS opt-out (unsubscribed, do not text)"), (SMS,), UNSUBSCRIBED
    ),
    "contact_opt_out": OptOutField(
        gettext_lazy("Do not contact (an opt-out of email and SMS)"), (EMAIL, SMS), UNSUBSCRIBED
    ),
    "email_opt_in": OptOutField(
        gettext_lazy("Email opt-in (a no records an opt-out; a yes is not a consent)"),
        (EMAIL,),
        UNSUBSCRIBED,
        inverted=True,
    ),
    "sms_opt_in": OptOutField(
        gettext_lazy("SMS opt-in (a no records an opt-out; a yes is not a consent)"),
        (SMS,),
        UNSUBSCRIBED,
        inverted=True,
    ),
    "email_bounced": OptOutField(
        gettext_lazy("Email bounced or cleaned (the address is suppressed)"), (EMAIL,), BOUNCED
    ),
    "mobile_bad": OptOutField(
        gettext_lazy("Mobile number does not work (SMS suppressed)"), (SMS,), BOUNCED
    ),
}

# The headers each opt-out field is guessed from: core/table_columns.py, OPT_OUT_HEADERS
# (the attendance upload's guess knows them too, so it never takes one for a contact column).

_YES = "yes"
_NO = "no"
_NOT_KEY = re.compile(r"[\W_]+")


def _value_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return _NOT_KEY.sub("", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


_WORDS: dict[str, tuple[str, ...]] = {
    _YES: ("yes", "y", "ja", "j", "true", "sant", "1", "x", "on"),
    _NO: ("no", "n", "nej", "false", "falskt", "0", "off"),
    # Status words mean the same in an opt-out and an opt-in column.
    "": (
        "subscribed",
        "optedin",
        "optin",
        "prenumererar",
        "prenumerant",
        "inskriven",
    ),
    UNSUBSCRIBED: (
        "unsubscribed",
        "unsubscribe",
        "optedout",
        "optout",
        "onholdoptout",
        "avregistrerad",
        "avanmald",
        "avprenumererad",
        "utskriven",
    ),
    BOUNCED: (
        "bouncing",
        "bounced",
        "bounce",
        "hardbounce",
        "cleaned",
        "onholdbounce",
        "studsar",
        "studsad",
        "ogiltig",
    ),
    COMPLAINED: (
        "spamcomplaint",
        "spamcomplainted",  # Action Network's help page spells it so
        "complained",
        "complaint",
        "markedasspam",
        "spam",
        "spamanmalan",
        "spamanmald",
        "spamklagomal",
    ),
}
_MEANING = {_value_key(w): meaning for meaning, words in _WORDS.items() for w in words}

_DATE = re.compile(
    r"(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}))"
    r"(?:[T ]+\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?\s*"
    r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Z]{2,5})?)?",
    re.ASCII,
)


def _is_timestamp(value: str) -> bool:
    """A date, with or without a time: 2013-06-27 12:11:50, 2014-06-25T15:35:22-07:00,
    2013/06/27, 27.06.2013."""
    match = _DATE.fullmatch(value)
    if match is None:
        return False
    if match[1] is not None:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        day, month, year = int(match[4]), int(match[5]), int(match[6])
        if month > 12 and day <= 12:
            day, month = month, day
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def parse(value: str, field: str) -> str | None:
    """The suppression reason this column's value states ("" for none), or None when the
    value means nothing Aktivist knows."""
    spec = OPT_OUT_FIELDS[field]
    meaning = _MEANING.get(value.casefold()) or _MEANING.get(_value_key(value))
    if meaning is None:
        if not _is_timestamp(value):
            return None
        meaning = _YES  # the time of the unsubscribe (or, in an opt-in column, of the yes)
        if spec.inverted:
            return ""
    if meaning == _YES:
        return "" if spec.inverted else spec.reason
    if meaning == _NO:
        return spec.reason if spec.inverted else ""
    return meaning


def row_opt_outs(
    cells: Sequence[str], columns: Sequence[tuple[int, str, str]], errors: list[str]
) -> tuple[OptOut, ...]:
    """The row's opt-outs from its opt-out columns ``(index, header, field)``: one per
    channel, the strongest reason, and whether any column withdrew the channel. An unknown
    value adds a message to ``errors``."""
    found: dict[str, list] = {}
    n = len(cells)
    for index, header, field in columns:
        if index >= n:
            continue
        value = cells[index].strip()
        if not value:
            continue
        reason = parse(value, field)
        if reason is None:
            shown = " ".join(value.split())
            errors.append(
                _(
                    '%(column)s: "%(value)s" is not an opt-out value Aktivist knows (yes or '
                    "no, a date, subscribed, unsubscribed, bounced, spam complaint)."
                )
                % {"column": header, "value": shown if len(shown) <= 60 else shown[:57] + "…"}
            )
            continue
        if not reason:
            continue
        withdraws = reason != BOUNCED
        for channel in OPT_OUT_FIELDS[field].channels:
            entry = found.setdefault(channel, [reason, withdraws])
            if STRENGTH[reason] > STRENGTH[entry[0]]:
                entry[0] = reason
            entry[1] = entry[1] or withdraws
    return tuple((channel, reason, withdraws) for channel, (reason, withdraws) in found.items())

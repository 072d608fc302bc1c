"""The records of processing activities (GDPR Art. 30(1)), generated from the settings and
the code, so that the register says what this installation actually does:

* the controller and its contact (``ORGANISATION_NAME``, ``ORGANISATION_PRIVACY_EMAIL``) and
  the data-protection officers (accounts with that access role);
* the purposes, with the consent purposes taken from ``people/consents.py`` (``CHOICES``:
  the wording's version) and ``Consent.Purpose``;
* the categories of data subjects and of personal data — the latter from the stores of
  personal data declared in ``core/registries.py`` (``personal_stores``: model, fields,
  retention rule), or, where a model has not declared itself, from the fields of the
  models in the erasure registry (the page says which);
* special categories (Art. 9): membership and taking part reveal political opinions;
* recipients: the email transport or provider (``EMAIL_BACKEND``), the SMS provider
  (``SMS_BACKEND``), the channels that sign through the API, exports;
* transfers to third countries: each provider's country (``PRIVACY_PROVIDER_COUNTRIES``,
  with 46elks in Sweden and Twilio in the USA known) and the safeguard that goes with it;
* retention: every rule of ``core/retention_rules.py`` with its current days;
* security measures (Art. 32), including what the operator must provide (encryption at
  rest).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from aktivist.accounts.models import User
from aktivist.campaigns.models import Channel
from aktivist.core import registries
from aktivist.core.retention_rules import INACTIVE_NON_MEMBERS, PEOPLE_RULES, PERSON_RECORD, RULES
from aktivist.people.consents import CHOICES
from aktivist.people.models import Consent, Person
from aktivist.people.services import EDITABLE_FIELDS
from aktivist.privacy.retention import rule_rows
from aktivist.privacy.retention_stores import STORES

# EU and EEA countries: a provider here means no transfer to a third country.
EEA = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO".split()
)
# Providers the code itself talks to, and where they are (settings may say otherwise).
KNOWN_COUNTRIES = {"46elks": "SE", "twilio": "US"}
SMS_PROVIDERS = {
    "FortySixElksTransport": "46elks",
    "TwilioTransport": "twilio",
    "ConsoleSmsTransport": "",
}


@dataclass
class Purpose:
    name: str
    basis: str
    subjects: str
    data: str


@dataclass
class ConsentPurpose:
    key: str
    purpose: str
    channels: list[str]
    version: str
    wording: str


@dataclass
class StoreRow:
    name: str
    fields: list[str]
    rule: str
    days: int | None
    enabled: bool
    declared: bool


@dataclass
class Recipient:
    name: str
    what: str
    provider: str = ""
    country: str = ""
    safeguard: str = ""


@dataclass
class RuleRow:
    key: str
    label: str
    description: str
    days: int | None
    enabled: bool


@dataclass
class ProcessingRecord:
    generated_at: dt.datetime
    controller: str
    contact: str
    officers: list[tuple[str, str]]
    purposes: list[Purpose] = field(default_factory=list)
    consent_purposes: list[ConsentPurpose] = field(default_factory=list)
    subjects: list[tuple[str, str]] = field(default_factory=list)
    stores: list[StoreRow] = field(default_factory=list)
    stores_declared: bool = False
    special: list[str] = field(default_factory=list)
    recipients: list[Recipient] = field(default_factory=list)
    rules: list[RuleRow] = field(default_factory=list)
    security: list[str] = field(default_factory=list)


# --- Parts -----------------------------------------------------------------------------------


def _consent_purposes() -> list[ConsentPurpose]:
    purposes = dict(Consent.Purpose.choices)
    channels = dict(Consent.Channel.choices)
    found = [
        ConsentPurpose(
            key=choice.key,
            purpose=str(purposes.get(choice.purpose, choice.purpose)),
            channels=[str(channels.get(c, c)) for c in choice.channels],
            version=choice.version,
            wording=str(choice.label),
        )
        for choice in CHOICES.values()
    ]
    # A purpose no public form asks for (recorded by imports with their own wording).
    asked = {choice.purpose for choice in CHOICES.values()}
    for value, label in Consent.Purpose.choices:
        if value not in asked:
            found.append(ConsentPurpose(value, str(label), [], "", ""))
    return found


def _purposes() -> list[Purpose]:
    young = settings.YOUTH_MAX_AGE
    purposes = [
        Purpose(
            _("Membership administration"),
            _(
                "Art. 6(1)(b): the membership; Art. 9(2)(d): a non-profit body's processing "
                "about its members and former members."
            ),
            _("Members and former members"),
            _(
                "Name, contact details, postal address, birth year, member number, membership "
                "dates, local group, roles."
            ),
        ),
        Purpose(
            _("Mobilization: campaigns and actions"),
            _(
                "Art. 6(1)(a) and 9(2)(a): the person takes the action (a signature, a letter) "
                "to have it counted and handed over; Art. 9(2)(d) for members and those in "
                "regular contact."
            ),
            _("Activists, members and non-members"),
            _(
                "Name, email, mobile, postcode, the actions taken and when, letters written, "
                "the link that brought them."
            ),
        ),
        Purpose(
            _("Campaign messages by email and SMS"),
            _(
                "Art. 6(1)(a): a confirmed consent per channel and purpose, with the wording's "
                "version and hash; member news on the basis of the membership."
            ),
            _("Those who consented; members"),
            _("Email, mobile, language, consents, deliveries, unsubscriptions and bounces."),
        ),
        Purpose(
            _("Events and training programmes"),
            _(
                "Art. 6(1)(f): running the event the person signed up for; Art. 9(2)(d). "
                "A guardian's contact for participants under 18."
            ),
            _("Participants, guardians of young participants"),
            _(
                "What was typed at sign-up, registration status, attendance, programmes "
                "completed, the guardian's name and contact."
            ),
        ),
        Purpose(
            _("Organising the movement: groups, roles, engagement, reports"),
            _("Art. 6(1)(f) and 9(2)(d); the board sees aggregates only, small counts hidden."),
            _("Members, activists, contact people of school groups"),
            _(
                "Group memberships, roles, the engagement level computed from the facts, "
                "notes and calls, follow-ups."
            ),
        ),
        Purpose(
            _("Staff accounts and the security of the register"),
            _("Art. 6(1)(f) and Art. 32: accounts, login records and the audit trail."),
            _("Staff and volunteers with accounts"),
            _("Name, email, access role and scope, two-factor device, logins, audit trail."),
        ),
        Purpose(
            _("Data-subject requests"),
            _("Art. 6(1)(c): the controller's duties under Art. 12–22."),
            _("Requesters"),
            _("Name, contact, the request, how the identity was checked, the outcome."),
        ),
    ]
    if apps.is_installed("aktivist.funding"):
        purposes.append(
            Purpose(
                _("Activity funding"),
                _("Art. 6(1)(b) and (c): decisions, payments and bookkeeping."),
                _("Group treasurers and contact people"),
                _("Name, contact, the group, applications, decisions, payments, receipts."),
            )
        )
    purposes[1].subjects += " " + _("(young people: %(age)s or younger are counted apart)") % {
        "age": young
    }
    return purposes


def _subjects() -> list[tuple[str, str]]:
    return [
        (_("Members"), _("Current members of the section.")),
        (_("Former members"), _("Until the retention rule for former members applies.")),
        (
            _("Non-members"),
            _("Activists who signed, wrote, registered or consented without being members."),
        ),
        (
            _("Young people"),
            _(
                "%(age)s or younger; under 18 at events with a guardian's contact. Counted "
                "apart in reports; the tombstone of an erased person keeps only an age "
                "bracket."
            )
            % {"age": settings.YOUTH_MAX_AGE},
        ),
        (_("Guardians"), _("Of participants under 18 at events.")),
        (_("Contact people"), _("Teachers and others named as a school group's contact.")),
        (_("Staff"), _("Secretariat staff, district representatives, coordinators, the board.")),
        (_("Requesters"), _("Anyone who makes a data-subject request.")),
    ]


def _field_label(model: type[models.Model], name: str) -> str:
    try:
        f = model._meta.get_field(name)
    except Exception:
        return name
    return str(capfirst(getattr(f, "verbose_name", name)))


PERSONAL_FIELD_TYPES = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.JSONField,
    models.DateField,
    models.GenericIPAddressField,
)
NOT_PERSONAL_NAMES = {"status", "kind", "source", "verb", "object_type", "object_id"}


def _fields_by_type(model: type[models.Model]) -> list[str]:
    """The fields that may hold personal values, judged by their type (the fallback when a
    model has not declared its personal fields)."""
    names = []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.is_relation or f.name in NOT_PERSONAL_NAMES:
            continue
        if f.name in ("created_at", "updated_at") or getattr(f, "choices", None):
            continue
        if isinstance(f, PERSONAL_FIELD_TYPES) and not isinstance(f, models.DateTimeField):
            names.append(f.name)
    return names


def _fields_of_the_link(model: type[models.Model]) -> list[str]:
    """For a store whose rows are personal data by what they link (a membership, a role, a
    tag): the fields that say what and when."""
    left_out = (Person, get_user_model())
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in ("created_at", "updated_at")
        and not (f.is_relation and f.related_model in left_out)
    ]


def _person_fields() -> list[str]:
    """What a person's own record holds: what staff enter (``people.services``), and the
    home unit."""
    return [*EDITABLE_FIELDS, "home_unit"]


def _stores(rule_rows: dict[str, Any]) -> tuple[list[StoreRow], bool]:
    """Every store of personal data with its fields and retention rule. Declared stores
    (``core.registries.personal_stores``) first; models in the erasure registry that have
    not declared themselves are described from their fields."""
    declared: dict[type[models.Model], Any] = dict(getattr(registries, "personal_stores", {}))
    rows: list[StoreRow] = []
    seen: set[type[models.Model]] = set()

    def row(model: type[models.Model], names: list[str], rule_key: str, is_declared: bool) -> None:
        spec = RULES.get(rule_key)
        stored = rule_rows.get(rule_key)
        rows.append(
            StoreRow(
                name=str(capfirst(model._meta.verbose_name_plural)),
                fields=[_field_label(model, n) for n in names],
                rule=str(spec.label) if spec else rule_key,
                days=stored.days if stored is not None and rule_key != PERSON_RECORD else None,
                enabled=bool(stored.enabled) if stored is not None else False,
                declared=is_declared,
            )
        )
        seen.add(model)

    if Person not in declared:
        # The person's own record: the two people rules decide.
        row(Person, _person_fields(), INACTIVE_NON_MEMBERS, False)
        rows[-1].rule = "; ".join(str(RULES[k].label) for k in PEOPLE_RULES)
        rows[-1].days = None
    for model, store in declared.items():
        row(model, list(store.fields) or _fields_of_the_link(model), store.retention, True)
    for model in registries.erasure_registry:
        if model not in seen:
            names = _fields_by_type(model)
            if names:
                row(model, names, PERSON_RECORD, False)
    return rows, bool(declared)


def _country(provider: str) -> str:
    configured = getattr(settings, "PRIVACY_PROVIDER_COUNTRIES", None) or {}
    return str(configured.get(provider) or KNOWN_COUNTRIES.get(provider, "")).upper()


def safeguard_for(country: str) -> str:
    if not country:
        return _(
            "The provider's country is not stated: set PRIVACY_PROVIDER_COUNTRIES and check "
            "the safeguard before use."
        )
    if country in EEA:
        return _("Within the EU/EEA: no transfer to a third country.")
    if country == "US":
        return _(
            "Third country: the EU–US Data Privacy Framework where the provider is certified, "
            "otherwise standard contractual clauses (Art. 46(2)(c)) with a transfer impact "
            "assessment."
        )
    return _(
        "Third country: an adequacy decision (Art. 45) or standard contractual clauses "
        "(Art. 46(2)(c)) must be in place before use."
    )


def _email_recipient() -> Recipient:
    backend = str(settings.EMAIL_BACKEND)
    transport = str(getattr(settings, "EMAIL_TRANSPORT", "auto"))
    what = _("Every email: campaign messages, confirmations, reminders, exports of one's data.")
    if backend.startswith("anymail.backends."):
        provider = backend.split(".")[2]
        country = _country(provider)
        return Recipient(
            _("Email service provider"), what, provider, country, safeguard_for(country)
        )
    if "console" in backend or "locmem" in backend:
        return Recipient(
            _("Email"),
            what,
            _("none (development: email is written to the console)"),
            "",
            _("Nothing leaves the machine."),
        )
    if transport == "smtp" or "smtp" in backend:
        host = str(settings.EMAIL_HOST)
        country = _country(host)
        return Recipient(
            _("Email server (SMTP)"),
            what,
            host,
            country,
            safeguard_for(country) if host not in ("127.0.0.1", "localhost", "::1") else "",
        )
    return Recipient(_("Email"), what, backend, "", safeguard_for(""))


def _sms_recipient() -> Recipient:
    name = str(settings.SMS_BACKEND).rsplit(".", 1)[-1]
    provider = SMS_PROVIDERS.get(name, name)
    what = _("SMS: codes that prove a mobile, campaign and urgent-action messages, replies.")
    if not provider:
        return Recipient(
            _("SMS"),
            what,
            _("none (development: SMS are written to the console)"),
            "",
            _("Nothing leaves the machine."),
        )
    country = _country(provider)
    return Recipient(_("SMS provider"), what, provider, country, safeguard_for(country))


def _recipients() -> list[Recipient]:
    found = [_email_recipient(), _sms_recipient()]
    if apps.is_installed("aktivist.campaigns"):
        names = list(Channel.objects.filter(is_active=True).values_list("name", flat=True))
        found.append(
            Recipient(
                _("Channels (API keys)"),
                _(
                    "Websites and partners that sign on people's behalf see what is typed on "
                    "their pages and send it here."
                ),
                ", ".join(names) or _("none"),
            )
        )
    found.append(
        Recipient(
            _("Exports"),
            _(
                "Staff download lists of people they may see (CSV), and a person's own data "
                "(access requests). Every export is recorded in the audit trail."
            ),
            _("staff of the organisation"),
        )
    )
    if apps.is_installed("aktivist.api"):
        found.append(
            Recipient(
                _("Webhook subscribers"),
                _("Systems that subscribed to events through the API."),
                "",
            )
        )
    return found


def _rules(rule_rows: dict[str, Any]) -> list[RuleRow]:
    return [
        RuleRow(
            key=key,
            label=str(spec.label),
            description=str(spec.description),
            days=rule_rows[key].days if key in STORES else None,
            enabled=bool(rule_rows[key].enabled),
        )
        for key, spec in RULES.items()
    ]


def _security() -> list[str]:
    roles = dict(User.AccessRole.choices)
    two_factor = [
        str(roles[r]) for r in (User.AccessRole.ADMIN, User.AccessRole.STAFF, User.AccessRole.DPO)
    ]
    measures = [
        _("Two-factor login (TOTP) required for: %(roles)s.") % {"roles": ", ".join(two_factor)},
        _(
            "Every account sees only its scope: district representatives their district, "
            "coordinators their groups, the board aggregates only; one selector decides."
        ),
        _(
            "Every write and every read of personal data is recorded in an append-only audit "
            "trail, kept for the audit rule's days."
        ),
        _(
            "Logins are throttled: %(limit)s failed attempts lock the account and address "
            "for a while."
        )
        % {"limit": settings.AXES_FAILURE_LIMIT},
        _("Passwords are stored with Argon2 and must be at least 10 characters long."),
        _(
            "Erasure keeps only a tombstone (district and age bracket) and keyed hashes "
            "(HMAC with a key of its own) of the erased address and mobile, so that an import "
            "cannot bring the person back."
        ),
        _("Logs hold ids and verbs, never personal data."),
        _("Every page is served with a strict content security policy (our own origin only)."),
    ]
    if settings.PRODUCTION:
        measures.append(_("HTTPS only, with HSTS and secure cookies."))
    else:
        measures.append(
            _("This installation runs in development mode: HTTPS is the operator's to set up.")
        )
    measures.append(
        _(
            "Encryption at rest of the database, its backups and the uploaded files is the "
            "operator's responsibility (disk or database encryption); Aktivist does not "
            "encrypt them itself."
        )
    )
    return measures


def _special() -> list[str]:
    return [
        _(
            "Membership, and taking part in the organisation's actions, reveals political "
            "opinions and beliefs (Art. 9(1))."
        ),
        _(
            "Members, former members and people in regular contact: Art. 9(2)(d), processing "
            "by a not-for-profit body in the course of its legitimate activities, not "
            "disclosed outside it without consent."
        ),
        _("Everyone else: explicit consent, Art. 9(2)(a) (the signature or the sign-up)."),
    ]


def processing_record(*, now: dt.datetime | None = None) -> ProcessingRecord:
    stored = rule_rows()
    officers = list(
        User.objects.filter(is_active=True, access_role=User.AccessRole.DPO)
        .order_by("name", "email")
        .values_list("name", "email")
    )
    stores, declared = _stores(stored)
    return ProcessingRecord(
        generated_at=now or timezone.now(),
        controller=settings.ORGANISATION_NAME,
        contact=settings.ORGANISATION_PRIVACY_EMAIL,
        officers=officers,
        purposes=_purposes(),
        consent_purposes=_consent_purposes(),
        subjects=_subjects(),
        stores=stores,
        stores_declared=declared,
        special=_special(),
        recipients=_recipients(),
        rules=_rules(stored),
        security=_security(),
    )

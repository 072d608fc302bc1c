"""A person with rows in every store of personal data, for the erasure tests
(``aktivist/core/tests/test_registries.py`` and ``aktivist/privacy/tests/test_erasure*.py``).

Zelmira Quenbyhallow comes in through an import (so the batch that created her keeps a
copy of the file with her row, refused rows with her cells and a row that differs from
her record) and then gets a row in every model the registries list, each made with its
app's factories. Her values are distinctive, so that searching the whole database, the
kept files and the log output for them finds nothing once she is erased.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from aktivist.accounts.tests.factories import UserFactory
from aktivist.campaigns.models import Action
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.core import audit
from aktivist.core.models import SentMessage
from aktivist.engagement.models import EngagementLevel, EngagementSnapshot, Level, SnapshotMonth
from aktivist.imports.models import DuplicateCandidate, ImportBatch, PersonMerge
from aktivist.imports.tests.import_helpers import import_file, write_csv
from aktivist.mobilization.models import Channel, Delivery, Mobilization
from aktivist.mobilization.tests.factories import (
    DeliveryFactory,
    MobilizationFactory,
    SuppressionFactory,
    hash_of,
)
from aktivist.organisation.models import Unit
from aktivist.organisation.tests.factories import RoleFactory, UnitFactory, UnitMembershipFactory
from aktivist.people.models import Consent, Person, ReviewItem
from aktivist.people.tests.factories import (
    ConsentFactory,
    InteractionFactory,
    PersonFactory,
    TagFactory,
)
from aktivist.privacy.models import DataSubjectRequest
from aktivist.programmes.models import AttendanceUpload, Programme, Registration
from aktivist.programmes.tests.factories import (
    EventFactory,
    ProgrammeCompletionFactory,
    ProgrammeFactory,
    RegistrationFactory,
)

FIRST = "Zelmira"
LAST = "Quenbyhallow"
EMAIL = "zelmira.quenbyhallow@example.org"
MOBILE = "+46709876543"
MOBILE_TYPED = "070-987 65 43"
MEMBER_NUMBER = "M778899"
# What must be found nowhere once she is erased (her mobile also as people type it).
NEEDLES = (EMAIL, MOBILE, "0709876543", MOBILE_TYPED, FIRST, LAST, MEMBER_NUMBER)


def birth_year_for_age(age: int) -> int:
    return timezone.localdate().year - age


@dataclass
class Her:
    person: Person
    batch: ImportBatch
    second_batch: ImportBatch
    staff: Any
    recruitment: Any  # the recruitment meeting she attended
    training: Programme
    action: Action
    mobilization: Mobilization


def import_her(actor: Any, directory: Path) -> tuple[Person, ImportBatch, ImportBatch]:
    """Two imports: the first creates her (and Ada), refuses a row of hers with a broken
    address; the second finds her again with another postcode (a "differs" issue)."""
    first = write_csv(
        directory,
        [
            (FIRST, LAST, EMAIL, MOBILE_TYPED, "211 45", MEMBER_NUMBER),
            ("Ada", "Lind", "ada.lind@example.org", "0701112233", "21100", ""),
            (FIRST, LAST, "zelmira.quenbyhallow@example", "", "21145", ""),
        ],
        name="varvning.csv",
    )
    batch = import_file(actor, first)
    second = write_csv(
        directory,
        [(FIRST, LAST, EMAIL, MOBILE_TYPED, "903 25", MEMBER_NUMBER)],
        name="gatuaktion.csv",
    )
    second_batch = import_file(actor, second)
    person = Person.objects.get(email=EMAIL)
    return person, batch, second_batch


def make_her(*, world: Any, staff: Any, directory: Path) -> Her:
    """Zelmira, 18, member of group A1 (district A), with a row in every registered store."""
    person, batch, second_batch = import_her(staff, directory)
    Person.objects.filter(pk=person.pk).update(
        birth_year=birth_year_for_age(18),
        membership_status=Person.MembershipStatus.FORMER,
        membership_ended_on=dt.date(2025, 6, 30),
        street_address="Kungsgatan 1",
        city="Malmö",
    )
    person.refresh_from_db()
    ImportBatch.objects.filter(pk=batch.pk).update(
        dry_run={
            "rows": [
                {
                    "line": 4,
                    "kind": "refused",
                    "reason": 'E-post: "zelmira.quenbyhallow@example" is not a valid email.',
                }
            ]
        }
    )
    now = timezone.now()
    today = timezone.localdate()

    # people
    person.tags.add(TagFactory(name="Volontär"))
    ConsentFactory(
        person=person,
        status=Consent.Status.CONFIRMED,
        confirmed_at=now,
        source=f"Blankett ifylld av {FIRST} {LAST}",
        pending_mobile=MOBILE,
    )
    # Someone else typed her mobile on a public form: it waits for its code on their consent.
    ConsentFactory(person=PersonFactory(), channel=Consent.Channel.SMS, pending_mobile=MOBILE)
    InteractionFactory(
        person=person,
        text=f"Ringde {FIRST} på {MOBILE_TYPED}",
        follow_up_owner=staff,
        follow_up_due=today + dt.timedelta(days=3),
    )
    ReviewItem.objects.create(
        kind=ReviewItem.Kind.PERSON_CREATE,
        matched_person=person,
        payload={"first_name": FIRST, "last_name": LAST, "email": EMAIL},
    )
    # organisation
    UnitMembershipFactory(person=person, unit=world.group_a1)
    RoleFactory(person=person, unit=world.group_a1, started_on=today - dt.timedelta(days=30))
    UnitFactory(
        kind=Unit.Kind.SCHOOL_GROUP,
        school_name="Katedralskolan",
        contact_person=person,
        parent=world.district_a,
    )
    # accounts: her staff account and login records made with her address
    UserFactory(person=person, email="volunteer.account@example.org")
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        values: dict[str, Any] = {
            "username": EMAIL,
            "ip_address": "10.0.0.7",
            "user_agent": "Firefox",
            "http_accept": "*/*",
            "path_info": "/accounts/login/",
        }
        if model is AccessAttempt:
            values.update(get_data="", post_data="", failures_since_start=1)
        model.objects.create(**values)
    # imports
    other = PersonFactory()
    low, high = sorted((person.pk, other.pk))
    DuplicateCandidate.objects.create(person_a_id=low, person_b_id=high, reason="similar_name")
    PersonMerge.objects.create(kept=person, dropped_person_id=0, fields_from_dropped=["city"])
    # campaigns
    action = ActionFactory(kind=Action.Kind.LETTER)
    ParticipationFactory(
        person=person,
        action=action,
        letter_text=f"Med vänliga hälsningar, {FIRST} {LAST}",
        tracking_token="tok-zq",
        named=True,
    )
    # programmes: a recruitment meeting she attended, then a training she completed
    recruitment = EventFactory(
        unit=world.group_a1,
        programme=ProgrammeFactory(kind=Programme.Kind.RECRUITMENT_MEETING),
        starts_at=now - dt.timedelta(days=20),
        ends_at=now - dt.timedelta(days=20) + dt.timedelta(hours=2),
        guardian_required_under_18=True,
    )
    RegistrationFactory(
        person=person,
        event=recruitment,
        status=Registration.Status.ATTENDED,
        attended_at=now - dt.timedelta(days=20),
        typed_first_name=FIRST,
        typed_last_name=LAST,
        typed_email=EMAIL,
        typed_mobile=MOBILE,
        guardian_name="Vera Quenbyhallow",
        guardian_contact="vera@example.org",
        tracking_token="tok-zq-event",
    )
    RegistrationFactory(  # a walk-in held for review that typed her address
        person=None,
        event=EventFactory(unit=world.group_a1),
        status=Registration.Status.ATTENDED,
        typed_first_name=FIRST,
        typed_email=EMAIL,
    )
    # Attendance lists: one read, that refused a row quoting her address (in Swedish, as the
    # worker writes it), and one still waiting for its task, with her row in the file.
    AttendanceUpload.objects.create(
        event=recruitment,
        created_by=staff,
        original_name="narvaro.csv",
        status=AttendanceUpload.Status.DONE,
        result={
            "refused": [
                {"line": 3, "reason": f"”{EMAIL},” är inte en giltig e-postadress."},
                {"line": 5, "reason": "Förnamn saknas."},
            ],
            "file_error": "",
            "rows": 4,
        },
    )
    pending = AttendanceUpload(event=recruitment, created_by=staff, original_name="lista.csv")
    pending.file.save(
        "upload-zq",
        ContentFile(
            f"Förnamn;Efternamn;E-post\n{FIRST};{LAST};{EMAIL}\nAda;Lind;ada.lind@example.org\n".encode()
        ),
    )
    training = ProgrammeFactory(kind=Programme.Kind.CAMPAIGN_TRAINING)
    ProgrammeCompletionFactory(person=person, programme=training, completed_on=today)
    # engagement
    EngagementLevel.objects.create(person=person, level=Level.ACTED, computed_at=now)
    for months_ago, level in ((2, Level.ACTED), (1, Level.TRAINED)):
        month = (today.replace(day=1) - dt.timedelta(days=28 * months_ago)).replace(day=1)
        EngagementSnapshot.objects.create(person=person, month=month, level=level)
        SnapshotMonth.objects.get_or_create(month=month, defaults={"taken_at": now})
    # mobilization: one sent and one still to send, in a mobilization in progress
    mobilization = MobilizationFactory(status=Mobilization.Status.SENDING)
    DeliveryFactory(mobilization=mobilization, person=person, provider_id="sm-zq-1")
    DeliveryFactory(
        mobilization=mobilization,
        person=PersonFactory(),
        status=Delivery.Status.PENDING,
        sent_at=None,
    )
    DeliveryFactory(
        mobilization=MobilizationFactory(status=Mobilization.Status.SENDING),
        person=person,
        status=Delivery.Status.PENDING,
        sent_at=None,
    )
    SuppressionFactory(person=person, address=EMAIL, address_hash=hash_of(EMAIL))
    SuppressionFactory(
        person=None, channel=Channel.SMS, address=MOBILE, address_hash=hash_of(MOBILE)
    )
    # privacy: her erasure request, and the audit trail
    DataSubjectRequest.objects.create(
        kind=DataSubjectRequest.Kind.ERASURE,
        channel=DataSubjectRequest.Channel.EMAIL,
        status=DataSubjectRequest.Status.IDENTITY_CHECKED,
        received_on=today,
        due_on=today + dt.timedelta(days=30),
        person=person,
        requester_name=f"{FIRST} {LAST}",
        requester_contact=EMAIL,
    )
    audit.record(actor=staff, verb="person.update", obj=person, details={"fields": ["city"]})
    # core: the copies of what was sent to her outside production (the sent-messages page)
    SentMessage.objects.create(
        channel=SentMessage.Channel.EMAIL, to=EMAIL, subject=f"Hej {FIRST}", body=f"Hej {FIRST}"
    )
    SentMessage.objects.create(
        channel=SentMessage.Channel.SMS, to=MOBILE, body=f"{FIRST}, din kod: 123456"
    )
    return Her(
        person=person,
        batch=batch,
        second_batch=second_batch,
        staff=staff,
        recruitment=recruitment,
        training=training,
        action=action,
        mobilization=mobilization,
    )


# --- Searching for her ------------------------------------------------------------------------

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)
# Kept on purpose: the data-subject request is the record that her request was carried out
# (Art. 5(2), 12(3)): who asked and how to answer them stay until the request's own
# retention rule anonymises it (privacy/registries.py).
KEPT_ON_PURPOSE = {
    ("privacy.DataSubjectRequest", "requester_name"),
    ("privacy.DataSubjectRequest", "requester_contact"),
}


def database_hits(needles: tuple[str, ...] = NEEDLES) -> list[tuple[str, str, str]]:
    """(model, field, needle) for every text, char, JSON and file column of every table
    that holds one of the needles (case-insensitive), but those kept on purpose."""
    hits: list[tuple[str, str, str]] = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            if (model._meta.label, field.name) in KEPT_ON_PURPOSE:
                continue
            for needle in needles:
                lookup = {f"{field.attname}__icontains": needle}
                if model._base_manager.filter(**lookup).exists():
                    hits.append((model._meta.label, field.name, needle))
    return hits


def file_hits(root: Path, needles: tuple[str, ...] = NEEDLES) -> list[tuple[str, str]]:
    """(file, needle) for every stored file under ``root`` that holds one of the needles."""
    hits: list[tuple[str, str]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace").casefold()
        hits.extend((str(path), needle) for needle in needles if needle.casefold() in text)
    return hits

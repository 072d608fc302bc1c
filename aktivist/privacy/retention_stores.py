"""What each retention rule covers and what it does to it: the ``Store`` of every rule of
``core/retention_rules.py`` that runs (``STORES``), used by the preview and the runs
(``privacy/retention.py``) and the records of processing.

What each rule selects (``cutoff`` = now − the rule's days):

* inactive non-members: non-members created before the cutoff with no action, no
  registration that was not cancelled (made or attended) and no consent confirmed since the
  cutoff;
* former members: former members whose membership ended before the cutoff, with no action,
  registration or confirmed consent since the cutoff (former members without an end date
  are never selected: the preview counts them);
* both spare anyone who holds a current role or group membership, is a unit's contact
  person, has a staff account, or has an open data-subject request;
* import files: the kept copy of uploads made before the cutoff, unless the batch is being
  analysed or imported (the batch and its counts stay; an upload never confirmed becomes
  "failed");
* refused-row cells: the cells of every issue (refused, conflict, held, differs) of batches
  uploaded before the cutoff;
* review payloads: what a held request carried, once handled before the cutoff;
* login records: django-axes' attempts, access log and failure log from before the cutoff;
* audit rows: through the audit trail's own ``purge_audit_rows`` (``core/audit.py``);
* data-subject requests: closed before the cutoff — who asked, what they wrote, how their
  identity was checked and the link to the person are blanked; kind, dates, status and the
  outcome stay as the record that the duty was carried out;
* sent messages: the copies of emails and SMS kept outside production
  (``core/sent_messages.py``) made before the cutoff are deleted (on from the start, 7 days).

People are anonymised in batches of ids through the erasure service
(``erasure.people_erase``), never one call per person; the other stores are blanked or
deleted by one statement per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.accounts.models import User
from aktivist.campaigns.models import Participation
from aktivist.core import retention_rules as rules
from aktivist.core.models import AuditEvent
from aktivist.core.retention_rules import RULES
from aktivist.core.sent_messages import older_than
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.organisation.models import Role, Unit, UnitMembership
from aktivist.people.models import Consent, Person, ReviewItem
from aktivist.privacy.erasure import people_erase
from aktivist.privacy.models import DataSubjectRequest
from aktivist.programmes.models import Registration

# --- What each rule selects ------------------------------------------------------------------


def _sign_of_life_since(cutoff: dt.datetime) -> Q:
    """An action, a registration that was not cancelled (made or attended) or a consent
    confirmed since ``cutoff``."""
    acted = Participation.objects.filter(person=OuterRef("pk"), created_at__gte=cutoff)
    registered = Registration.objects.filter(
        Q(created_at__gte=cutoff) | Q(attended_at__gte=cutoff), person=OuterRef("pk")
    ).exclude(status=Registration.Status.CANCELLED)
    consented = Consent.objects.filter(
        person=OuterRef("pk"), status=Consent.Status.CONFIRMED, confirmed_at__gte=cutoff
    )
    return Q(Exists(acted)) | Q(Exists(registered)) | Q(Exists(consented))


def _spared() -> Q:
    """People no people rule touches: a current role or group membership, a unit's contact
    person, a staff account, an open data-subject request."""
    return (
        Q(Exists(Role.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)))
        | Q(Exists(UnitMembership.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)))
        | Q(Exists(Unit.objects.filter(contact_person=OuterRef("pk"))))
        | Q(Exists(User.objects.filter(person=OuterRef("pk"))))
        | Q(
            Exists(
                DataSubjectRequest.objects.filter(
                    person=OuterRef("pk"), status__in=DataSubjectRequest.OPEN
                )
            )
        )
    )


def inactive_non_members(cutoff: dt.datetime) -> QuerySet[Any]:
    return (
        Person.objects.filter(
            is_active=True,
            membership_status=Person.MembershipStatus.NON_MEMBER,
            created_at__lt=cutoff,
        )
        .exclude(_sign_of_life_since(cutoff))
        .exclude(_spared())
    )


def former_members(cutoff: dt.datetime) -> QuerySet[Any]:
    return (
        Person.objects.filter(
            is_active=True,
            membership_status=Person.MembershipStatus.FORMER,
            membership_ended_on__lt=timezone.localdate(cutoff),
            created_at__lt=cutoff,
        )
        .exclude(_sign_of_life_since(cutoff))
        .exclude(_spared())
    )


def former_members_without_end() -> int:
    """Former members the rule cannot judge: no date when the membership ended."""
    return Person.objects.filter(
        is_active=True,
        membership_status=Person.MembershipStatus.FORMER,
        membership_ended_on__isnull=True,
    ).count()


IN_FLIGHT_IMPORTS = ("analysing", "queued", "running")
UNCONFIRMED_IMPORTS = ("uploaded", "analysed")


def import_files(cutoff: dt.datetime) -> QuerySet[Any]:
    return (
        ImportBatch.objects.filter(created_at__lt=cutoff)
        .exclude(file="")
        .exclude(status__in=IN_FLIGHT_IMPORTS)
    )


def refused_cells(cutoff: dt.datetime) -> QuerySet[Any]:
    return ImportIssue.objects.filter(batch__created_at__lt=cutoff).exclude(data={})


def review_payloads(cutoff: dt.datetime) -> QuerySet[Any]:
    handled = ReviewItem.objects.exclude(status=ReviewItem.Status.OPEN).exclude(payload={})
    return handled.filter(
        Q(resolved_at__lt=cutoff) | Q(resolved_at__isnull=True, updated_at__lt=cutoff)
    )


def login_record_models() -> list[type[models.Model]]:
    """django-axes' tables that are installed (attempts, access log, failure log)."""
    found: list[type[models.Model]] = []
    if apps.is_installed("axes"):
        for name in ("AccessAttempt", "AccessLog", "AccessFailureLog"):
            try:
                found.append(apps.get_model("axes", name))
            except LookupError:
                continue
    return found


def login_records(cutoff: dt.datetime) -> list[QuerySet[Any]]:
    return [
        model._default_manager.filter(attempt_time__lt=cutoff) for model in login_record_models()
    ]


def closed_requests(cutoff: dt.datetime) -> QuerySet[Any]:
    return DataSubjectRequest.objects.filter(
        status__in=(DataSubjectRequest.Status.FULFILLED, DataSubjectRequest.Status.REFUSED),
        closed_at__lt=cutoff,
        anonymised_at__isnull=True,
    )


def sent_messages(cutoff: dt.datetime) -> QuerySet[Any]:
    return older_than(cutoff)


def audit_rows(cutoff: dt.datetime) -> QuerySet[Any]:
    return AuditEvent.objects.filter(created_at__lt=cutoff)


# --- What each rule does to a batch ----------------------------------------------------------


def _erase_people(ids: list[int], *, key: str, actor: Any) -> int:
    result = people_erase(
        actor=actor,
        person_ids=ids,
        reason=f"retention:{key}",
        batch_size=max(len(ids), 1),
    )
    return result.erased


def _delete_import_files(ids: list[int], **_kw: Any) -> int:
    batches = list(ImportBatch.objects.filter(pk__in=ids).exclude(file=""))
    for batch in batches:
        # Deleting a missing file is a no-op: a run killed after the deletes and before the
        # update below repeats them harmlessly.
        batch.file.storage.delete(batch.file.name)
    now = timezone.now()
    # The dry run's summary goes with the file: it quotes rows' values and matched people's
    # stored values (imports.dry_run._tell_rows).
    ImportBatch.objects.filter(pk__in=[b.pk for b in batches]).update(
        file="", dry_run={}, updated_at=now
    )
    # An upload that was never confirmed cannot be imported without its file.
    ImportBatch.objects.filter(
        pk__in=[b.pk for b in batches], status__in=UNCONFIRMED_IMPORTS
    ).update(status="failed", error=_("The uploaded file was deleted by the retention rule."))
    return len(batches)


def _blank_refused_cells(ids: list[int], **_kw: Any) -> int:
    return ImportIssue.objects.filter(pk__in=ids).update(data={})


def _blank_review_payloads(ids: list[int], **_kw: Any) -> int:
    return ReviewItem.objects.filter(pk__in=ids).update(payload={}, updated_at=timezone.now())


def _anonymise_requests(ids: list[int], **_kw: Any) -> int:
    now = timezone.now()
    return DataSubjectRequest.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        requester_name="",
        requester_contact="",
        details="",
        identity_method="",
        person=None,
        anonymised_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class Store:
    """How one rule finds and removes what it covers. ``select`` gives the querysets (in
    the order they are worked through) of the rows or people the rule covers at a cutoff."""

    key: str
    unit: str  # "people", "rows" or "files": how the preview counts
    select: Callable[[dt.datetime], list[QuerySet[Any]]]
    apply: Callable[..., int] | None  # (ids, key=, actor=) -> done; None: delete the rows
    names: bool = False  # the preview may name them (people)


def _one(
    fn: Callable[[dt.datetime], QuerySet[Any]],
) -> Callable[[dt.datetime], list[QuerySet[Any]]]:
    return lambda cutoff: [fn(cutoff)]


STORES: dict[str, Store] = {
    store.key: store
    for store in (
        Store(
            rules.INACTIVE_NON_MEMBERS,
            "people",
            _one(inactive_non_members),
            _erase_people,
            names=True,
        ),
        Store(rules.FORMER_MEMBERS, "people", _one(former_members), _erase_people, names=True),
        Store(rules.IMPORT_FILES, "files", _one(import_files), _delete_import_files),
        Store(rules.IMPORT_REFUSED_CELLS, "rows", _one(refused_cells), _blank_refused_cells),
        Store(rules.REVIEW_PAYLOADS, "rows", _one(review_payloads), _blank_review_payloads),
        Store(rules.LOGIN_RECORDS, "rows", login_records, None),
        Store(rules.AUDIT_ROWS, "rows", _one(audit_rows), None),
        Store(rules.DATA_SUBJECT_REQUESTS, "rows", _one(closed_requests), _anonymise_requests),
        Store(rules.SENT_MESSAGES, "rows", _one(sent_messages), None),
    )
}


def runnable_keys() -> list[str]:
    """The rules that run, in the order the nightly job runs them (people first, the audit
    trail last: it records what the others did)."""
    return [key for key in RULES if key in STORES]

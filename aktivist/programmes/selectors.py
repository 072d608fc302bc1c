"""Reads on programmes, events and registrations, scoped by the viewer.

National events (owned by the national unit) are visible to all staff; district and local
ones follow the owning unit, like campaigns (DESIGN.md). A registration is what the
registrant typed (or staff typed at the door) and its status: the event's organisers see
every registration of it, others only those whose person they may see. The person record
behind a registration is shown only to viewers who may see that person anyway — a
registration is never a reason to see someone (docs/architecture.md). Counts of seats,
waiting lists and young people are numbers, not people: they count every registration.
Board viewers see none of these pages and get 404s like anyone outside scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from aktivist.accounts.access import scope_for
from aktivist.accounts.capabilities import Capability, can
from aktivist.campaigns.models import Participation
from aktivist.campaigns.selectors import YOUNG_BRACKETS
from aktivist.lib.normalise import format_phone
from aktivist.organisation.models import Unit
from aktivist.organisation.scoping import subtree_q
from aktivist.people.models import Person
from aktivist.people.selectors import people_search, people_visible_to
from aktivist.programmes.models import Event, Programme, Registration

SEATED = list(Registration.SEATED)
ACTIVE_STATUSES = [s for s in Registration.Status.values if s != Registration.Status.CANCELLED]


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


# --- Programmes ----------------------------------------------------------------------------

KIND_ORDER = {kind: index for index, kind in enumerate(Programme.Kind.values)}


def programmes() -> QuerySet[Programme]:
    """Every programme (programmes are the organisation's, read by all staff)."""
    return Programme.objects.all()


def programme_list(*, include_inactive: bool = True) -> list[Programme]:
    """The programmes along the red thread: by kind in the thread's order (a first meeting,
    trainings, leadership, alumni), then by name; each with ``next`` (its next steps) and
    ``upcoming_events``. Two queries."""
    now = timezone.now()
    qs = Programme.objects.prefetch_related("next_steps").annotate(
        upcoming_events=Count(
            "events",
            filter=Q(events__ends_at__gte=now, events__cancelled_at__isnull=True),
        )
    )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    rows: list[Programme] = list(qs)
    rows.sort(key=lambda p: (not p.is_active, KIND_ORDER.get(p.kind, 99), p.name.casefold()))
    return rows


def access_programme(pk: Any) -> Programme:
    programme = Programme.objects.filter(pk=_int(pk)).first()
    if programme is None:
        raise Http404
    return programme


def previous_steps(programme: Programme) -> QuerySet[Programme]:
    return programme.previous_steps.order_by("name")


# --- Events --------------------------------------------------------------------------------


def _event_q(viewer: Any, prefix: str = "") -> Q | None:
    """None: every event; otherwise the events (or, with prefix, related rows) in sight."""
    scope = scope_for(viewer)
    if scope.is_national:
        return None
    if not scope.sees_people:
        return Q(pk__in=[])
    return Q(**{f"{prefix}unit__kind": Unit.Kind.NATIONAL}) | subtree_q(
        scope, field=f"{prefix}unit__path"
    )


def events_visible_to(viewer: Any) -> QuerySet[Event]:
    qs = Event.objects.select_related("programme", "unit")
    q = _event_q(viewer)
    return qs if q is None else qs.filter(q)


def events_editable_by(viewer: Any) -> QuerySet[Event]:
    """The secretariat changes every event; scoped roles those their units organise."""
    scope = scope_for(viewer)
    qs = Event.objects.select_related("programme", "unit")
    if scope.is_national:
        return qs
    if not scope.sees_people:
        return qs.none()
    return qs.filter(subtree_q(scope, field="unit__path"))


def can_edit_event(viewer: Any, event: Event) -> bool:
    """Whoever may work with people, in a scope that covers the event's unit."""
    return can(viewer, Capability.PEOPLE_VIEW) and scope_for(viewer).covers_path(event.unit.path)


def access_event(viewer: Any, pk: Any) -> Event:
    """The event if the viewer may see it, else 404."""
    event = events_visible_to(viewer).filter(pk=_int(pk)).first()
    if event is None:
        raise Http404
    return event


def _age_brackets() -> list[str]:
    """The age brackets an erased person's tombstone may keep (its age is known)."""
    return list(Participation.AgeBracket.values)


def _young_q(prefix: str = "") -> Q:
    """People aged settings.YOUTH_MAX_AGE or younger this year (birth year known) — or, for
    an erased person's tombstone, whose age bracket is a young one (erasure keeps the
    bracket, not the birth year: the counts never change)."""
    oldest = timezone.localdate().year - settings.YOUTH_MAX_AGE
    return Q(**{f"{prefix}person__birth_year__gte": oldest}) | Q(
        **{
            f"{prefix}person__birth_year__isnull": True,
            f"{prefix}person__erased_age_bracket__in": YOUNG_BRACKETS,
        }
    )


def event_list(
    viewer: Any,
    *,
    past: bool = False,
    unit: Unit | None = None,
    kind: str = "",
    young: bool = False,
) -> QuerySet[Event]:
    """The viewer's events, upcoming (not yet ended, soonest first) or past (latest first),
    each with ``seats_taken``, ``waitlisted``, ``registrants`` (not cancelled), ``young``
    and ``age_known`` counted in the same query. ``unit`` filters on its subtree."""
    now = timezone.now()
    qs = events_visible_to(viewer)
    qs = qs.filter(ends_at__lt=now) if past else qs.filter(ends_at__gte=now)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if kind:
        qs = qs.filter(programme__kind=kind)
    if young:
        qs = qs.filter(for_young_people=True)
    active = Q(registrations__status__in=ACTIVE_STATUSES)
    qs = qs.annotate(
        seats_taken=Count("registrations", filter=Q(registrations__status__in=SEATED)),
        waitlisted=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
        ),
        registrants=Count("registrations", filter=active),
        age_known=Count(
            "registrations",
            filter=active
            & (
                Q(registrations__person__birth_year__isnull=False)
                | Q(registrations__person__erased_age_bracket__in=_age_brackets())
            ),
        ),
        young=Count("registrations", filter=active & _young_q("registrations__")),
    )
    return qs.order_by("-starts_at", "-id") if past else qs.order_by("starts_at", "id")


@dataclass(frozen=True)
class EventCounts:
    registered: int
    waitlisted: int
    attended: int
    no_show: int
    cancelled: int
    young: int
    age_known: int
    capacity: int | None

    @property
    def seats_taken(self) -> int:
        return self.registered + self.attended + self.no_show

    @property
    def seats_free(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def registrants(self) -> int:
        return self.seats_taken + self.waitlisted

    @property
    def young_share(self) -> int | None:
        """Young people among the registrants whose age is known, in per cent."""
        return round(self.young * 100 / self.age_known) if self.age_known else None


def event_counts(event: Event) -> EventCounts:
    """Every registration of the event counted by status, and the young ones. One query."""
    statuses = Registration.Status
    active = Q(status__in=ACTIVE_STATUSES)
    row = Registration.objects.filter(event=event).aggregate(
        registered=Count("id", filter=Q(status=statuses.REGISTERED)),
        waitlisted=Count("id", filter=Q(status=statuses.WAITLISTED)),
        attended=Count("id", filter=Q(status=statuses.ATTENDED)),
        no_show=Count("id", filter=Q(status=statuses.NO_SHOW)),
        cancelled=Count("id", filter=Q(status=statuses.CANCELLED)),
        young=Count("id", filter=active & _young_q()),
        age_known=Count(
            "id",
            filter=active
            & (
                Q(person__birth_year__isnull=False)
                | Q(person__erased_age_bracket__in=_age_brackets())
            ),
        ),
    )
    return EventCounts(capacity=event.capacity, **row)


# --- Registrations -------------------------------------------------------------------------

STATUS_ORDER = (
    Registration.Status.REGISTERED,
    Registration.Status.ATTENDED,
    Registration.Status.NO_SHOW,
    Registration.Status.WAITLISTED,
    Registration.Status.CANCELLED,
)


def is_organiser(viewer: Any, event: Event) -> bool:
    """Whether the viewer organises the event: the secretariat, and staff whose scope holds
    its unit. Organisers see every registration of the event — what the registrant typed
    and its status — but the person behind it only if they may see that person anyway."""
    return can_edit_event(viewer, event)


def registrations_visible_to(viewer: Any, event: Event) -> QuerySet[Registration]:
    """The event's registrations the viewer may see: all of them for its organisers, else
    only those whose person the viewer may see (a national event's list shows a group's
    coordinator their own people). Registrations of erased people (on a tombstone, or
    detached before erasure kept tombstones) that keep nothing typed are left out. The
    person is NOT loaded: use ``with_people``."""
    qs = Registration.objects.filter(event=event).exclude(
        Q(person__isnull=True) | Q(person__erased_at__isnull=False),
        typed_first_name="",
        typed_email="",
        typed_mobile="",
    )
    if not is_organiser(viewer, event):
        qs = qs.filter(person__in=people_visible_to(viewer))
    return qs.order_by("created_at", "id")


def with_people(viewer: Any, registrations: list[Registration]) -> list[Registration]:
    """Give each registration ``visible_person`` (its person when the viewer may see them,
    else None) and ``shown_name`` (what was typed; for an older registration without it,
    the person's name when visible, else empty: "name not recorded"). One query; nothing
    about a person the viewer may not see is ever read."""
    ids = {r.person_id for r in registrations if r.person_id is not None}
    people = (
        {p.pk: p for p in people_visible_to(viewer).select_related("home_unit").filter(pk__in=ids)}
        if ids
        else {}
    )
    for registration in registrations:
        person = people.get(registration.person_id) if registration.person_id else None
        registration.visible_person = person  # type: ignore[attr-defined]
        registration.shown_name = registration.typed_name or (  # type: ignore[attr-defined]
            person.full_name if person is not None else ""
        )
        registration.typed_mobile_display = (  # type: ignore[attr-defined]
            format_phone(registration.typed_mobile) if registration.typed_mobile else ""
        )
    return registrations


def _name_order(registration: Registration) -> tuple[int, str, str, int]:
    """By the name shown (last name, then the whole name), unnamed rows last — never by a
    hidden person's name, whose place in the list would tell it."""
    shown: str = getattr(registration, "shown_name", "")
    person = getattr(registration, "visible_person", None)
    if registration.typed_name:
        last = registration.typed_last_name
    else:
        last = person.last_name if person is not None else ""
    return (0 if shown else 1, last.casefold(), shown.casefold(), registration.pk)


def registration_rows(viewer: Any, event: Event) -> list[Registration]:
    """The registrations the viewer may see, with their visible people, by name."""
    rows = with_people(viewer, list(registrations_visible_to(viewer, event)))
    rows.sort(key=_name_order)
    return rows


def registrations_by_status(viewer: Any, event: Event) -> list[tuple[str, str, list[Any]]]:
    """(status, label, registrations) in the page's order, the waiting list in its serving
    order; statuses without anyone are left out. Two queries."""
    groups: dict[str, list[Registration]] = {status: [] for status in STATUS_ORDER}
    for registration in registration_rows(viewer, event):
        groups[registration.status].append(registration)
    groups[Registration.Status.WAITLISTED].sort(
        key=lambda r: (r.waitlisted_at or r.created_at, r.pk)
    )
    labels = dict(Registration.Status.choices)
    return [(status, str(labels[status]), rows) for status, rows in groups.items() if rows]


def access_registration(viewer: Any, event: Event, pk: Any) -> Registration:
    """A registration of the event the viewer may see (with ``visible_person`` and
    ``shown_name``), else 404."""
    registration = registrations_visible_to(viewer, event).filter(pk=_int(pk)).first()
    if registration is None:
        raise Http404
    return with_people(viewer, [registration])[0]


def people_to_add(viewer: Any, event: Event, query: str, *, limit: int = 10) -> list[Person]:
    """People within the viewer's scope matching the search, each with ``registered``
    (whether they hold a registration for the event that is not cancelled). Nothing for an
    empty search."""
    if not query.strip():
        return []
    existing = Registration.objects.filter(
        event=event, person=OuterRef("pk"), status__in=ACTIVE_STATUSES
    )
    return list(
        people_search(viewer, query)
        .annotate(registered=Exists(existing))
        .order_by("last_name_key", "first_name_key", "pk")[:limit]
    )


def public_event_path(event: Event) -> str:
    """The event's public page (/e/<slug>/, built by the public pages)."""
    try:
        return reverse("public:event", args=[event.slug])
    except NoReverseMatch:
        return f"/e/{event.slug}/"

"""The access matrix: every persona × every page and action of the foundation.

Personas: admin, secretariat staff, district representative of district A, coordinator of
group A1, coordinator of group B1, board viewer, data-protection officer, anonymous. A record
outside a viewer's scope is answered as if it did not exist (404) and is never named. The
data-protection officer has no people pages: every page here but the start page (which
sends them to the privacy pages) answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from aktivist.accounts.capabilities import Capability, role_can
from aktivist.accounts.decorators import SIGNED_IN
from aktivist.core.models import AuditEvent
from aktivist.organisation.models import Role, UnitMembership
from aktivist.people.models import Interaction, Person, ReviewItem, Tagging

PERSONAS = [
    "admin",
    "staff",
    "district_a",
    "coordinator_a1",
    "coordinator_b1",
    "board",
    "dpo",
    "anonymous",
]
OK, LOGIN, NOT_FOUND = "ok", "login", "404"


def outcome(response: Any) -> str:
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    if response.status_code in (200, 302):
        return OK
    return str(response.status_code)


def expect(**by_persona: str) -> dict[str, str]:
    assert set(by_persona) == set(PERSONAS), set(PERSONAS) ^ set(by_persona)
    return by_persona


EVERY_STAFF_BUT_BOARD = expect(
    admin=OK,
    staff=OK,
    district_a=OK,
    coordinator_a1=OK,
    coordinator_b1=OK,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)
SEES_A1_PEOPLE = expect(
    admin=OK,
    staff=OK,
    district_a=OK,
    coordinator_a1=OK,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)
SEES_B1_PEOPLE = expect(
    admin=OK,
    staff=OK,
    district_a=NOT_FOUND,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=OK,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)
SEES_DISTRICT_A_HOME = expect(
    admin=OK,
    staff=OK,
    district_a=OK,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)
NATIONAL_ONLY = expect(
    admin=OK,
    staff=OK,
    district_a=NOT_FOUND,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)
ADMIN_ONLY = expect(
    admin=OK,
    staff=NOT_FOUND,
    district_a=NOT_FOUND,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)
PRIVACY_OFFICERS = expect(
    admin=OK,
    staff=NOT_FOUND,
    district_a=NOT_FOUND,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=OK,
    anonymous=LOGIN,
)
SECRETARIAT_AND_OFFICER = expect(
    admin=OK,
    staff=OK,
    district_a=NOT_FOUND,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=OK,
    anonymous=LOGIN,
)
EVERYONE_LOGGED_IN = expect(
    admin=OK,
    staff=OK,
    district_a=OK,
    coordinator_a1=OK,
    coordinator_b1=OK,
    board=OK,
    dpo=OK,  # sent on to the privacy pages
    anonymous=LOGIN,
)


# --- The capability table ------------------------------------------------------------------
# Each persona's access role and whether it has a scope unit (conftest ``personas``).
PERSONA_ROLES = {
    "admin": ("admin", False),
    "staff": ("staff", False),
    "district_a": ("district", True),
    "coordinator_a1": ("coordinator", True),
    "coordinator_b1": ("coordinator", True),
    "board": ("board", False),
    "dpo": ("dpo", False),
}
C = Capability

# What each page and action of the matrix needs, by the URL name it answers at.
NEEDS: dict[str, str] = {
    "staff:start": SIGNED_IN,
    "staff:sent_messages": C.SETTINGS_ADMIN,
    "accounts:staff_list": C.ACCOUNTS_MANAGE,
    "accounts:staff_invite": C.ACCOUNTS_MANAGE,
    **{
        f"people:{name}": C.PEOPLE_VIEW
        for name in (
            "list",
            "create",
            "detail",
            "edit",
            "interaction_add",
            "tag_add",
            "role_end",
            "membership_start",
            "membership_end",
        )
    },
    "people:review_list": C.REVIEW_RESOLVE,
    "organisation:unit_list": C.PEOPLE_VIEW,
    "organisation:unit_detail": C.PEOPLE_VIEW,
    "alumni:list": C.PEOPLE_VIEW,
    "privacy:audit": C.PRIVACY_AUDIT,
    "privacy:person_erase": C.PRIVACY_ACT,
    "privacy:access": C.PRIVACY_ACT,
    "privacy:request_list": C.PRIVACY_REQUESTS,
    "privacy:request_new": C.PRIVACY_REQUESTS,
    "privacy:retention": C.PRIVACY_RETENTION,
    "privacy:records": C.PRIVACY_RECORDS,
    **{
        f"campaigns:{name}": C.PEOPLE_VIEW
        for name in (
            "list",
            "create",
            "detail",
            "edit",
            "propose",
            "action_create",
            "action_detail",
            "action_live",
            "action_stats",
            "action_edit",
            "action_close",
            "action_publish",
            "participants_export",
        )
    },
    "campaigns:priorities": C.NATIONAL_PLANNING,
    "campaigns:priority_edit": C.NATIONAL_PLANNING,
    "campaigns:elevate": C.NATIONAL_PLANNING,
    **{
        f"programmes:{name}": C.PEOPLE_VIEW
        for name in (
            "event_list",
            "event_create",
            "event_detail",
            "event_edit",
            "event_cancel",
            "programme_list",
            "programme_detail",
            "registration_add",
            "registration_cancel",
        )
    },
    "programmes:programme_create": C.NATIONAL_PLANNING,
    "programmes:programme_edit": C.NATIONAL_PLANNING,
    **{f"segments:{name}": C.PEOPLE_VIEW for name in ("list", "create", "detail", "edit")},
    **{
        f"mobilization:{name}": C.MOBILIZATION_SEND
        for name in (
            "list",
            "create",
            "detail",
            "edit",
            "progress",
            "reach",
            "conditions",
            "message_list",
            "message_create",
            "message_edit",
        )
    },
}


def allowed_by_table(need: str) -> dict[str, str]:
    """The outcome per persona the capability table gives for a page that needs ``need``:
    the login page for the anonymous, the page for the roles that hold it, 404 for others."""
    allowed = {"anonymous": LOGIN}
    for persona, (role, has_unit) in PERSONA_ROLES.items():
        holds = need == SIGNED_IN or role_can(role, need, has_scope_unit=has_unit)
        allowed[persona] = OK if holds else NOT_FOUND
    return allowed


@pytest.mark.parametrize(
    ("expected", "need"),
    [
        (EVERYONE_LOGGED_IN, SIGNED_IN),
        (EVERY_STAFF_BUT_BOARD, C.PEOPLE_VIEW),
        (EVERY_STAFF_BUT_BOARD, C.MOBILIZATION_SEND),
        (NATIONAL_ONLY, C.REVIEW_RESOLVE),
        (NATIONAL_ONLY, C.NATIONAL_PLANNING),
        (NATIONAL_ONLY, C.PRIVACY_ACT),
        (NATIONAL_ONLY, C.URGENT_SEND),
        (NATIONAL_ONLY, C.DUPLICATES_MERGE),
        (ADMIN_ONLY, C.ACCOUNTS_MANAGE),
        (ADMIN_ONLY, C.SETTINGS_ADMIN),
        (PRIVACY_OFFICERS, C.PRIVACY_AUDIT),
        (SECRETARIAT_AND_OFFICER, C.PRIVACY_REQUESTS),
        (SECRETARIAT_AND_OFFICER, C.PRIVACY_RETENTION),
        (SECRETARIAT_AND_OFFICER, C.PRIVACY_RECORDS),
    ],
)
def test_the_expectation_sets_are_the_capability_table(expected, need):
    assert allowed_by_table(need) == expected


def assert_the_table_allows(response: Any, persona: str, expected: str) -> None:
    """The page declares the capability the matrix names for it, and the outcome is the
    table's, or narrower: a role that holds the capability still gets 404 for a record
    outside its scope."""
    view_name = response.resolver_match.view_name
    need = NEEDS[view_name]
    func = response.resolver_match.func
    assert (getattr(func, "capability", None) or getattr(func, "open_to", None)) == need
    allowed = allowed_by_table(need)[persona]
    assert expected == allowed or (allowed == OK and expected == NOT_FOUND), view_name


class CampaignWorld:
    """Campaigns and actions of the access matrix, created on first use for a world: one
    of each scope the personas reach, and one in district B that must never leak."""

    def __init__(self, w: Any) -> None:
        from aktivist.campaigns.models import Campaign
        from aktivist.campaigns.tests.factories import (
            ActionFactory,
            CampaignFactory,
            ParticipationFactory,
            PriorityFactory,
        )

        self.priority = PriorityFactory(name="Flyktingars rätt")
        self.national = CampaignFactory(
            name="Sommarkampanjen", priority=self.priority, scope="national", unit=w.national
        )
        self.district_a = CampaignFactory(
            name="Skånes asylkampanj", scope="district", unit=w.district_a
        )
        self.local_a1 = CampaignFactory(
            name="Malmöinitiativet",
            scope="local",
            unit=w.group_a1,
            origin=Campaign.Origin.LOCAL_INITIATIVE,
        )
        self.local_b1 = CampaignFactory(
            name="Umeås hemliga initiativ",
            scope="local",
            unit=w.group_b1,
            origin=Campaign.Origin.LOCAL_INITIATIVE,
        )
        self.national_action = ActionFactory(campaign=self.national, title_sv="Frige Ahmed")
        self.a1_action = ActionFactory(campaign=self.local_a1, title_sv="Malmös namninsamling")
        self.b1_action = ActionFactory(campaign=self.local_b1, title_sv="Umeås hemliga aktion")
        ParticipationFactory(action=self.national_action, person=w.member_a1)
        ParticipationFactory(action=self.national_action, person=w.member_b1)

    SECRET_NAMES = ("Umeås hemliga initiativ", "Umeås hemliga aktion")


def cw(w: Any) -> CampaignWorld:
    if not hasattr(w, "_campaign_world"):
        w._campaign_world = CampaignWorld(w)
    return w._campaign_world


def _campaign_url(name: str, attr: str) -> Callable[[Any], str]:
    return lambda w: reverse(f"campaigns:{name}", args=[getattr(cw(w), attr).pk])


NO_ONE = expect(
    admin=NOT_FOUND,
    staff=NOT_FOUND,
    district_a=NOT_FOUND,
    coordinator_a1=NOT_FOUND,
    coordinator_b1=NOT_FOUND,
    board=NOT_FOUND,
    dpo=NOT_FOUND,
    anonymous=LOGIN,
)

CAMPAIGN_PAGES: list[tuple[str, Callable[[Any], str], dict[str, str]]] = [
    ("campaign list", lambda w: reverse("campaigns:list"), EVERY_STAFF_BUT_BOARD),
    (
        "campaign list, all years",
        lambda w: reverse("campaigns:list") + "?year=0",
        EVERY_STAFF_BUT_BOARD,
    ),
    (
        "initiatives awaiting a decision",
        lambda w: reverse("campaigns:list") + "?tab=proposals",
        NATIONAL_ONLY,
    ),
    ("new campaign form", lambda w: reverse("campaigns:create"), EVERY_STAFF_BUT_BOARD),
    ("priorities", lambda w: reverse("campaigns:priorities"), NATIONAL_ONLY),
    ("priority edit", _campaign_url("priority_edit", "priority"), NATIONAL_ONLY),
    ("national campaign page", _campaign_url("detail", "national"), EVERY_STAFF_BUT_BOARD),
    ("national campaign edit", _campaign_url("edit", "national"), NATIONAL_ONLY),
    ("national campaign: new action", _campaign_url("action_create", "national"), NATIONAL_ONLY),
    ("national campaign: propose", _campaign_url("propose", "national"), NO_ONE),
    (
        "national action page",
        _campaign_url("action_detail", "national_action"),
        EVERY_STAFF_BUT_BOARD,
    ),
    (
        "national action live count",
        _campaign_url("action_live", "national_action"),
        EVERY_STAFF_BUT_BOARD,
    ),
    (
        "national action charts",
        _campaign_url("action_stats", "national_action"),
        EVERY_STAFF_BUT_BOARD,
    ),
    ("national action edit", _campaign_url("action_edit", "national_action"), NATIONAL_ONLY),
    ("district A campaign page", _campaign_url("detail", "district_a"), SEES_DISTRICT_A_HOME),
    ("district A campaign edit", _campaign_url("edit", "district_a"), SEES_DISTRICT_A_HOME),
    ("A1 campaign page", _campaign_url("detail", "local_a1"), SEES_A1_PEOPLE),
    ("A1 campaign edit", _campaign_url("edit", "local_a1"), SEES_A1_PEOPLE),
    ("A1 campaign: new action", _campaign_url("action_create", "local_a1"), SEES_A1_PEOPLE),
    ("A1 campaign: propose", _campaign_url("propose", "local_a1"), SEES_A1_PEOPLE),
    ("A1 campaign: lift", _campaign_url("elevate", "local_a1"), NATIONAL_ONLY),
    ("A1 action page", _campaign_url("action_detail", "a1_action"), SEES_A1_PEOPLE),
    ("A1 action edit", _campaign_url("action_edit", "a1_action"), SEES_A1_PEOPLE),
    ("B1 campaign page", _campaign_url("detail", "local_b1"), SEES_B1_PEOPLE),
    ("B1 campaign edit", _campaign_url("edit", "local_b1"), SEES_B1_PEOPLE),
    ("B1 action page", _campaign_url("action_detail", "b1_action"), SEES_B1_PEOPLE),
    ("B1 action live count", _campaign_url("action_live", "b1_action"), SEES_B1_PEOPLE),
    ("B1 campaign: lift", _campaign_url("elevate", "local_b1"), NATIONAL_ONLY),
    (
        "campaign id that does not exist",
        lambda w: reverse("campaigns:detail", args=[999999]),
        NO_ONE,
    ),
]


class EventWorld:
    """Programmes and events of the access matrix, created on first use for a world: an
    event of each unit the personas reach, and one in district B that must never leak."""

    def __init__(self, w: Any) -> None:
        from aktivist.programmes.tests.factories import (
            EventFactory,
            ProgrammeFactory,
            RegistrationFactory,
        )

        self.programme = ProgrammeFactory(name="Kampanjutbildning")
        self.national = EventFactory(unit=w.national, title="Riksträffen", programme=self.programme)
        self.district_a = EventFactory(unit=w.district_a, title="Skånedagen")
        self.a1 = EventFactory(unit=w.group_a1, title="Malmöträffen", capacity=10)
        self.b1 = EventFactory(unit=w.group_b1, title="Umeås hemliga träff")
        RegistrationFactory(event=self.national, person=w.member_b1)
        self.a1_registration = RegistrationFactory(event=self.a1, person=w.member_a1)

    SECRET_NAMES = ("Umeås hemliga träff",)


def ew(w: Any) -> EventWorld:
    if not hasattr(w, "_event_world"):
        w._event_world = EventWorld(w)
    return w._event_world


def _event_url(name: str, attr: str) -> Callable[[Any], str]:
    return lambda w: reverse(f"programmes:{name}", args=[getattr(ew(w), attr).pk])


PROGRAMME_PAGES: list[tuple[str, Callable[[Any], str], dict[str, str]]] = [
    ("event list", lambda w: reverse("programmes:event_list"), EVERY_STAFF_BUT_BOARD),
    (
        "past events",
        lambda w: reverse("programmes:event_list") + "?when=past",
        EVERY_STAFF_BUT_BOARD,
    ),
    ("new event form", lambda w: reverse("programmes:event_create"), EVERY_STAFF_BUT_BOARD),
    ("programme list", lambda w: reverse("programmes:programme_list"), EVERY_STAFF_BUT_BOARD),
    ("programme page", _event_url("programme_detail", "programme"), EVERY_STAFF_BUT_BOARD),
    ("new programme form", lambda w: reverse("programmes:programme_create"), NATIONAL_ONLY),
    ("programme edit", _event_url("programme_edit", "programme"), NATIONAL_ONLY),
    ("national event page", _event_url("event_detail", "national"), EVERY_STAFF_BUT_BOARD),
    ("national event edit", _event_url("event_edit", "national"), NATIONAL_ONLY),
    ("national event: cancel", _event_url("event_cancel", "national"), NATIONAL_ONLY),
    (
        "national event: sign someone up",
        lambda w: reverse("programmes:registration_add", args=[ew(w).national.pk]) + "?q=Björn",
        EVERY_STAFF_BUT_BOARD,
    ),
    ("district A event page", _event_url("event_detail", "district_a"), SEES_DISTRICT_A_HOME),
    ("district A event edit", _event_url("event_edit", "district_a"), SEES_DISTRICT_A_HOME),
    ("A1 event page", _event_url("event_detail", "a1"), SEES_A1_PEOPLE),
    ("A1 event edit", _event_url("event_edit", "a1"), SEES_A1_PEOPLE),
    ("A1 event: cancel", _event_url("event_cancel", "a1"), SEES_A1_PEOPLE),
    ("A1 event: sign someone up", _event_url("registration_add", "a1"), SEES_A1_PEOPLE),
    ("B1 event page", _event_url("event_detail", "b1"), SEES_B1_PEOPLE),
    ("B1 event edit", _event_url("event_edit", "b1"), SEES_B1_PEOPLE),
    ("B1 event: sign someone up", _event_url("registration_add", "b1"), SEES_B1_PEOPLE),
    (
        "event id that does not exist",
        lambda w: reverse("programmes:event_detail", args=[999999]),
        NO_ONE,
    ),
]


class MobilizationWorld:
    """Segments, messages and mobilizations of the access matrix, created on first use for
    a world: the secretariat's, district A's, group A1's, and group B1's that must never
    leak."""

    def __init__(self, w: Any) -> None:
        from aktivist.mobilization.models import Mobilization
        from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory

        def make(unit: Any, label: str) -> tuple[Any, Any, Any]:
            segment = SegmentFactory(name=f"{label} segment", unit=unit)
            message = MessageFactory(name=f"{label} utskick", unit=unit)
            mobilization = Mobilization.objects.create(
                name=f"{label} mobilisering", message=message, segment=segment, unit=unit
            )
            return segment, message, mobilization

        self.national = make(None, "Riks")
        self.district_a = make(w.district_a, "Skåne")
        self.a1 = make(w.group_a1, "Malmö")
        self.b1 = make(w.group_b1, "Umeås hemliga")

    SECRET_NAMES = (
        "Umeås hemliga segment",
        "Umeås hemliga utskick",
        "Umeås hemliga mobilisering",
    )


def mw(w: Any) -> MobilizationWorld:
    if not hasattr(w, "_mobilization_world"):
        w._mobilization_world = MobilizationWorld(w)
    return w._mobilization_world


def _mob_urls(
    owner: str, expected: dict[str, str]
) -> list[tuple[str, Callable[[Any], str], dict[str, str]]]:
    def url(name: str, index: int) -> Callable[[Any], str]:
        return lambda w: reverse(name, args=[getattr(mw(w), owner)[index].pk])

    return [
        (f"{owner} segment page", url("segments:detail", 0), expected),
        (f"{owner} segment edit", url("segments:edit", 0), expected),
        (f"{owner} message edit", url("mobilization:message_edit", 1), expected),
        (f"{owner} mobilization page", url("mobilization:detail", 2), expected),
        (f"{owner} mobilization edit", url("mobilization:edit", 2), expected),
        (f"{owner} mobilization progress", url("mobilization:progress", 2), expected),
        (f"{owner} mobilization reach", url("mobilization:reach", 2), expected),
        (f"{owner} mobilization results", url("mobilization:conditions", 2), expected),
    ]


MOBILIZATION_PAGES: list[tuple[str, Callable[[Any], str], dict[str, str]]] = [
    ("segment list", lambda w: reverse("segments:list"), EVERY_STAFF_BUT_BOARD),
    ("segment builder", lambda w: reverse("segments:create"), EVERY_STAFF_BUT_BOARD),
    ("mobilization list", lambda w: reverse("mobilization:list"), EVERY_STAFF_BUT_BOARD),
    ("new mobilization", lambda w: reverse("mobilization:create"), EVERY_STAFF_BUT_BOARD),
    ("message list", lambda w: reverse("mobilization:message_list"), EVERY_STAFF_BUT_BOARD),
    ("new message", lambda w: reverse("mobilization:message_create"), EVERY_STAFF_BUT_BOARD),
    *_mob_urls("national", NATIONAL_ONLY),
    *_mob_urls("district_a", SEES_DISTRICT_A_HOME),
    *_mob_urls("a1", SEES_A1_PEOPLE),
    *_mob_urls("b1", SEES_B1_PEOPLE),
    (
        "mobilization id that does not exist",
        lambda w: reverse("mobilization:detail", args=[999999]),
        NO_ONE,
    ),
]

# (name, url builder from the world, expected outcome per persona)
PAGES: list[tuple[str, Callable[[Any], str], dict[str, str]]] = [
    ("start", lambda w: reverse("staff:start"), EVERYONE_LOGGED_IN),
    ("people list", lambda w: reverse("people:list"), EVERY_STAFF_BUT_BOARD),
    ("people search", lambda w: reverse("people:list") + "?q=070", EVERY_STAFF_BUT_BOARD),
    ("new person form", lambda w: reverse("people:create"), EVERY_STAFF_BUT_BOARD),
    ("A1 member page", lambda w: reverse("people:detail", args=[w.member_a1.pk]), SEES_A1_PEOPLE),
    ("A1 role holder", lambda w: reverse("people:detail", args=[w.role_a1.pk]), SEES_A1_PEOPLE),
    ("A1 member edit", lambda w: reverse("people:edit", args=[w.member_a1.pk]), SEES_A1_PEOPLE),
    ("B1 member page", lambda w: reverse("people:detail", args=[w.member_b1.pk]), SEES_B1_PEOPLE),
    ("B1 member edit", lambda w: reverse("people:edit", args=[w.member_b1.pk]), SEES_B1_PEOPLE),
    (
        "district A home-unit person",
        lambda w: reverse("people:detail", args=[w.home_a.pk]),
        SEES_DISTRICT_A_HOME,
    ),
    (
        "former A1 member (district sees history, coordinator only current)",
        lambda w: reverse("people:detail", args=[w.former_member_a1.pk]),
        SEES_DISTRICT_A_HOME,
    ),
    (
        "person id that does not exist",
        lambda w: reverse("people:detail", args=[999999]),
        expect(
            admin=NOT_FOUND,
            staff=NOT_FOUND,
            district_a=NOT_FOUND,
            coordinator_a1=NOT_FOUND,
            coordinator_b1=NOT_FOUND,
            board=NOT_FOUND,
            dpo=NOT_FOUND,
            anonymous=LOGIN,
        ),
    ),
    ("unit list", lambda w: reverse("organisation:unit_list"), EVERY_STAFF_BUT_BOARD),
    (
        "group A1 page",
        lambda w: reverse("organisation:unit_detail", args=[w.group_a1.pk]),
        SEES_A1_PEOPLE,
    ),
    (
        "group B1 page",
        lambda w: reverse("organisation:unit_detail", args=[w.group_b1.pk]),
        SEES_B1_PEOPLE,
    ),
    (
        "district A page",
        lambda w: reverse("organisation:unit_detail", args=[w.district_a.pk]),
        SEES_DISTRICT_A_HOME,
    ),
    ("alumni list", lambda w: reverse("alumni:list"), EVERY_STAFF_BUT_BOARD),
    ("review queue", lambda w: reverse("people:review_list"), NATIONAL_ONLY),
    ("staff accounts", lambda w: reverse("accounts:staff_list"), ADMIN_ONLY),
    ("audit trail", lambda w: reverse("privacy:audit"), PRIVACY_OFFICERS),
    (
        "audit trail: who saw the A1 member?",
        lambda w: reverse("privacy:audit") + f"?person={w.member_a1.pk}",
        PRIVACY_OFFICERS,
    ),
    ("invite staff", lambda w: reverse("accounts:staff_invite"), ADMIN_ONLY),
    ("sent messages (outside production)", lambda w: reverse("staff:sent_messages"), ADMIN_ONLY),
    (
        "erase the A1 member",
        lambda w: reverse("privacy:person_erase", args=[w.member_a1.pk]),
        NATIONAL_ONLY,
    ),
    (
        "the A1 member's access export",
        lambda w: reverse("privacy:access", args=[w.member_a1.pk]),
        NATIONAL_ONLY,
    ),
    ("data-subject requests", lambda w: reverse("privacy:request_list"), SECRETARIAT_AND_OFFICER),
    ("register a request", lambda w: reverse("privacy:request_new"), SECRETARIAT_AND_OFFICER),
    ("retention rules", lambda w: reverse("privacy:retention"), SECRETARIAT_AND_OFFICER),
    ("records of processing", lambda w: reverse("privacy:records"), SECRETARIAT_AND_OFFICER),
    *CAMPAIGN_PAGES,
    *PROGRAMME_PAGES,
    *MOBILIZATION_PAGES,
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("page", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_pages(persona, page, url, expected, world, personas, client_for):
    client = client_for(personas.all()[persona])
    response = client.get(url(world))
    assert outcome(response) == expected[persona], f"{persona} → {page}"
    assert_the_table_allows(response, persona, expected[persona])
    if response.status_code == 404:
        # Nothing about the record leaks into the 404 page.
        body = response.content.decode()
        for person in (world.member_a1, world.member_b1, world.home_a):
            assert person.last_name not in body


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("page", "url", "expected"), CAMPAIGN_PAGES, ids=[p[0] for p in CAMPAIGN_PAGES]
)
def test_campaigns_outside_the_scope_are_never_named(
    persona, page, url, expected, world, personas, client_for
):
    """Pages that answer show no campaign or action of district B to those outside it; the
    404 pages name nothing at all."""
    client = client_for(personas.all()[persona])
    response = client.get(url(world))
    body = response.content.decode()
    if response.status_code == 404 or persona not in ("admin", "staff", "coordinator_b1"):
        for name in CampaignWorld.SECRET_NAMES:
            assert name not in body, f"{persona} → {page} names {name}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("page", "url", "expected"), PROGRAMME_PAGES, ids=[p[0] for p in PROGRAMME_PAGES]
)
def test_events_outside_the_scope_are_never_named(
    persona, page, url, expected, world, personas, client_for
):
    """Pages that answer show no event of district B to those outside it, and no
    registrant they may not see (Björn of group B1 is registered for the national event)."""
    client = client_for(personas.all()[persona])
    response = client.get(url(world))
    body = response.content.decode()
    if response.status_code == 404 or persona not in ("admin", "staff", "coordinator_b1"):
        for name in (*EventWorld.SECRET_NAMES, "Björn Berg"):
            assert name not in body, f"{persona} → {page} names {name}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("page", "url", "expected"), MOBILIZATION_PAGES, ids=[p[0] for p in MOBILIZATION_PAGES]
)
def test_mobilizations_outside_the_scope_are_never_named(
    persona, page, url, expected, world, personas, client_for
):
    """Lists and pages show no segment, message or mobilization of group B1 to those
    outside it; the 404 pages name nothing at all."""
    client = client_for(personas.all()[persona])
    response = client.get(url(world))
    body = response.content.decode()
    if response.status_code == 404 or persona not in ("admin", "staff", "coordinator_b1"):
        for name in MobilizationWorld.SECRET_NAMES:
            assert name not in body, f"{persona} → {page} names {name}"


# The staff pages' namespaces: the data-protection officer opens none of their pages.
STAFF_NAMESPACES = (
    "people",
    "organisation",
    "imports",
    "engagement",
    "segments",
    "mobilization",
    "urgent",
    "campaigns",
    "handover",
    "programmes",
    "attendance",
    "programme_reports",
)


def _staff_pages_without_arguments() -> list[str]:
    """Every staff page whose address needs no id (lists, forms, reports, exports): found
    from the URL configuration, so that a page added later is walked too."""
    from django.urls import NoReverseMatch, get_resolver

    urls = set()
    for namespace in STAFF_NAMESPACES:
        _prefix, resolver = get_resolver().namespace_dict[namespace]
        for name in resolver.reverse_dict:
            if not isinstance(name, str):
                continue
            try:
                urls.add(reverse(f"{namespace}:{name}"))
            except NoReverseMatch:
                continue
    return sorted(urls)


def test_the_data_protection_officer_opens_no_staff_page(world, personas, client_for):
    """The officer's start is the privacy pages; every page of people, units, events,
    campaigns, imports, segments and mobilizations is a 404 to them, read or posted to."""
    client = client_for(personas.dpo)
    start = client.get(reverse("staff:start"))
    assert start.status_code == 302 and start["Location"] == reverse("privacy:audit")
    urls = _staff_pages_without_arguments()
    assert {"/people/", "/imports/", "/segments/", "/mobilizations/", "/engagement/"} <= set(urls)
    for url in urls:
        got = client.get(url).status_code
        assert got in (404, 405), f"dpo GET {url}: {got}"
        posted = client.post(url, {}).status_code
        assert posted in (404, 405), f"dpo POST {url}: {posted}"
    assert not AuditEvent.objects.filter(actor=personas.dpo).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_only_for_admins(persona, world, personas, client_for):
    response = client_for(personas.all()[persona]).get("/admin/")
    if persona == "admin":
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            assert "login" in response["Location"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_people_list_shows_only_people_in_scope(persona, world, personas, client_for):
    response = client_for(personas.all()[persona]).get(reverse("people:list"))
    if persona in ("board", "dpo", "anonymous"):
        assert response.status_code in (302, 404)
        return
    body = response.content.decode()
    visible = {
        "admin": {"Malm", "Berg", "Holm", "Ström", "Fors", "Roos", "Ek"},
        "staff": {"Malm", "Berg", "Holm", "Ström", "Fors", "Roos", "Ek"},
        "district_a": {"Malm", "Holm", "Fors", "Roos", "Ek"},
        "coordinator_a1": {"Malm", "Roos"},
        "coordinator_b1": {"Berg"},
    }[persona]
    for name in ("Malm", "Berg", "Holm", "Ström", "Fors", "Roos", "Ek"):
        assert (name in body) == (name in visible), f"{persona} sees {name}: {name in body}"


def _post_note(client, person):
    return client.post(
        reverse("people:interaction_add", args=[person.pk]),
        {"interaction-kind": "note", "interaction-text": "Ringde om mötet"},
    )


def _post_tag(client, person):
    return client.post(reverse("people:tag_add", args=[person.pk]), {"tag-name": "Volontär"})


def _rename_campaign(client, campaign, name):
    return client.post(
        reverse("campaigns:edit", args=[campaign.pk]),
        {
            "name": name,
            "scope": campaign.scope,
            "unit": campaign.unit_id,
            "origin": campaign.origin,
            "kind": "standard",
        },
    )


def _add_action(client, campaign):
    return client.post(
        reverse("campaigns:action_create", args=[campaign.pk]),
        {
            "kind": "petition",
            "title_sv": "Ny namninsamling",
            "text_sv": "Skriv under.",
            "goal": "100",
            "is_published": "on",
            "letter_delivery": "email",
        },
    )


def _campaigns_named(name):
    from aktivist.campaigns.models import Campaign

    return lambda w: Campaign.objects.filter(name=name).count()


def _count(model_name, **filters):
    def count(w):
        from django.apps import apps

        cw(w)
        return apps.get_model("campaigns", model_name).objects.filter(**filters).count()

    return count


def _audits(verb):
    def count(w):
        cw(w)
        return AuditEvent.objects.filter(verb=verb).count()

    return count


CAMPAIGN_ACTIONS: list[tuple[str, Callable[[Any, Any], Any], Callable[[Any], Any], str]] = [
    (
        "add a priority",
        lambda c, w: c.post(reverse("campaigns:priorities"), {"name": "Ny", "year": 2030}),
        _count("Priority"),
        "national",
    ),
    (
        "rename the national campaign",
        lambda c, w: _rename_campaign(c, cw(w).national, "Omdöpt"),
        _campaigns_named("Omdöpt"),
        "national",
    ),
    (
        "rename the A1 campaign",
        lambda c, w: _rename_campaign(c, cw(w).local_a1, "Omdöpt"),
        _campaigns_named("Omdöpt"),
        "a1",
    ),
    (
        "rename the B1 campaign",
        lambda c, w: _rename_campaign(c, cw(w).local_b1, "Omdöpt"),
        _campaigns_named("Omdöpt"),
        "b1",
    ),
    (
        "add an action to the national campaign",
        lambda c, w: _add_action(c, cw(w).national),
        _count("Action"),
        "national",
    ),
    (
        "add an action to the A1 campaign",
        lambda c, w: _add_action(c, cw(w).local_a1),
        _count("Action"),
        "a1",
    ),
    (
        "close the A1 action now",
        lambda c, w: c.post(reverse("campaigns:action_close", args=[cw(w).a1_action.pk])),
        _count("Action", closes_at__isnull=False),
        "a1",
    ),
    (
        "unpublish the national action",
        lambda c, w: c.post(
            reverse("campaigns:action_publish", args=[cw(w).national_action.pk]),
            {"published": "0"},
        ),
        _count("Action", is_published=False),
        "national",
    ),
    (
        "unpublish the B1 action",
        lambda c, w: c.post(
            reverse("campaigns:action_publish", args=[cw(w).b1_action.pk]), {"published": "0"}
        ),
        _count("Action", is_published=False),
        "b1",
    ),
    (
        "propose the A1 campaign as national",
        lambda c, w: c.post(
            reverse("campaigns:propose", args=[cw(w).local_a1.pk]), {"note": "Stort stöd"}
        ),
        _count("Campaign", elevation="proposed"),
        "a1",
    ),
    (
        "lift the B1 campaign to national",
        lambda c, w: c.post(reverse("campaigns:elevate", args=[cw(w).local_b1.pk]), {}),
        _count("Campaign", elevated_from__isnull=False),
        "national",
    ),
    (
        "export the national action's participants",
        lambda c, w: c.post(
            reverse("campaigns:participants_export", args=[cw(w).national_action.pk])
        ),
        _audits("action.participants_export"),
        "every_staff",
    ),
    (
        "export the B1 action's participants",
        lambda c, w: c.post(reverse("campaigns:participants_export", args=[cw(w).b1_action.pk])),
        _audits("action.participants_export"),
        "b1",
    ),
]


def _programmes_count(model_name, **filters):
    def count(w):
        from django.apps import apps

        ew(w)
        return apps.get_model("programmes", model_name).objects.filter(**filters).count()

    return count


PROGRAMME_ACTIONS: list[tuple[str, Callable[[Any, Any], Any], Callable[[Any], Any], str]] = [
    (
        "add a programme",
        lambda c, w: c.post(
            reverse("programmes:programme_create"),
            {"name": "Ny", "kind": "other", "events_to_complete": "1", "is_active": "on"},
        ),
        _programmes_count("Programme"),
        "national",
    ),
    (
        "cancel the national event",
        lambda c, w: c.post(reverse("programmes:event_cancel", args=[ew(w).national.pk])),
        _programmes_count("Event", cancelled_at__isnull=False),
        "national",
    ),
    (
        "cancel the A1 event",
        lambda c, w: c.post(reverse("programmes:event_cancel", args=[ew(w).a1.pk])),
        _programmes_count("Event", cancelled_at__isnull=False),
        "a1",
    ),
    (
        "cancel the B1 event",
        lambda c, w: c.post(reverse("programmes:event_cancel", args=[ew(w).b1.pk])),
        _programmes_count("Event", cancelled_at__isnull=False),
        "b1",
    ),
    (
        "sign up the A1 member for the national event",
        lambda c, w: c.post(
            reverse("programmes:registration_add", args=[ew(w).national.pk]),
            {"person": w.member_a1.pk},
        ),
        _programmes_count("Registration"),
        "a1",
    ),
    (
        "sign up the B1 member for the B1 event",
        lambda c, w: c.post(
            reverse("programmes:registration_add", args=[ew(w).b1.pk]),
            {"person": w.member_b1.pk},
        ),
        _programmes_count("Registration"),
        "b1",
    ),
    (
        "cancel the A1 member's registration",
        lambda c, w: c.post(
            reverse("programmes:registration_cancel", args=[ew(w).a1.pk, ew(w).a1_registration.pk])
        ),
        _programmes_count("Registration", status="cancelled"),
        "a1",
    ),
]

ACTIONS: list[tuple[str, Callable[[Any, Any], Any], Callable[[Any], Any], str]] = [
    # (name, do(client, world), count of rows it would create, which people matrix applies)
    (
        "note on A1 member",
        lambda c, w: _post_note(c, w.member_a1),
        lambda w: Interaction.objects.count(),
        "a1",
    ),
    (
        "note on B1 member",
        lambda c, w: _post_note(c, w.member_b1),
        lambda w: Interaction.objects.count(),
        "b1",
    ),
    (
        "tag on A1 member",
        lambda c, w: _post_tag(c, w.member_a1),
        lambda w: Tagging.objects.count(),
        "a1",
    ),
    (
        "tag on B1 member",
        lambda c, w: _post_tag(c, w.member_b1),
        lambda w: Tagging.objects.count(),
        "b1",
    ),
    (
        "end the A1 role",
        lambda c, w: c.post(
            reverse("people:role_end", args=[w.role_a1.pk, w.role_a1.roles.get().pk]), {}
        ),
        lambda w: Role.objects.filter(ended_on__isnull=False).count(),
        "a1",
    ),
    (
        "end the B1 membership",
        lambda c, w: c.post(
            reverse(
                "people:membership_end",
                args=[w.member_b1.pk, w.member_b1.unit_memberships.get().pk],
            ),
            {},
        ),
        lambda w: UnitMembership.objects.filter(ended_on__isnull=False).count(),
        "b1",
    ),
    *CAMPAIGN_ACTIONS,
    *PROGRAMME_ACTIONS,
]
ACTION_EXPECTED = {
    "a1": SEES_A1_PEOPLE,
    "b1": SEES_B1_PEOPLE,
    "national": NATIONAL_ONLY,
    "every_staff": EVERY_STAFF_BUT_BOARD,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("action", "do", "count", "matrix"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_actions(persona, action, do, count, matrix, world, personas, client_for):
    client = client_for(personas.all()[persona])
    before_rows, before_audit = count(world), AuditEvent.objects.count()
    response = do(client, world)
    expected = ACTION_EXPECTED[matrix][persona]
    assert outcome(response) == expected, f"{persona} → {action}"
    assert_the_table_allows(response, persona, expected)
    if expected == OK:
        assert count(world) == before_rows + 1
        assert AuditEvent.objects.count() > before_audit
    else:
        assert count(world) == before_rows
        assert AuditEvent.objects.count() == before_audit


def _create_person(client, unit, **fields):
    data = {
        "first_name": "Nora",
        "last_name": "Nyström",
        "language": "sv",
        "membership_status": "non_member",
        "unit": unit.pk if unit else "",
        **fields,
    }
    return client.post(reverse("people:create"), data, follow=True)


SCOPED = {"district_a": "district_a", "coordinator_a1": "group_a1", "coordinator_b1": "group_b1"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_creating_a_person_whose_email_exists_outside_scope(persona, world, personas, client_for):
    """Nothing saved, nobody named: the request goes to the secretariat's review queue."""
    client = client_for(personas.all()[persona])
    unit = getattr(world, SCOPED[persona]) if persona in SCOPED else None
    other = world.home_b  # district B, home unit only: visible to national roles only
    people_before = Person.objects.count()
    response = _create_person(client, unit, email=other.email.upper())
    body = response.content.decode()
    assert Person.objects.count() == people_before
    if persona == "anonymous":
        assert response.redirect_chain[-1][0].startswith("/accounts/login/")
        assert not ReviewItem.objects.exists()
    elif persona in ("board", "dpo"):
        assert response.status_code == 404
        assert not ReviewItem.objects.exists()
    elif persona in ("admin", "staff"):
        # They may see the other person: the form says so, with a link.
        assert reverse("people:detail", args=[other.pk]) in body
        assert not ReviewItem.objects.exists()
    else:
        assert "held for review" in body.lower()
        assert other.last_name not in body and other.email not in body
        item = ReviewItem.objects.get()
        assert item.matched_person == other and item.submitted_by == personas.all()[persona]


@pytest.mark.parametrize("persona", ["district_a", "coordinator_a1"])
def test_scoped_staff_cannot_add_memberships_in_units_outside_their_scope(
    persona, world, personas, client_for
):
    client = client_for(personas.all()[persona])
    before = UnitMembership.objects.count()
    response = client.post(
        reverse("people:membership_start", args=[world.member_a1.pk]),
        {"membership-unit": world.group_b1.pk},
    )
    assert response.status_code in (200, 302, 400)
    assert UnitMembership.objects.count() == before

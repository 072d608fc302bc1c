from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from aktivist.accounts.access import scope_for
from aktivist.accounts.models import User
from aktivist.core.conditions import compile_tree
from aktivist.lib.normalise import normalise_email, normalise_name, normalise_phone
from aktivist.organisation.models import Role, UnitMembership
from aktivist.people.models import Person
from aktivist.people.scoping import person_scope_q


def people_visible_to(viewer: Any) -> QuerySet[Person]:
    """Every person the viewer may see (active rows only); the one door to people."""
    scope = scope_for(viewer)
    qs = Person.objects.filter(is_active=True)
    q = person_scope_q(scope)
    if not scope.sees_people:
        return qs.none()
    if q is not None:
        qs = qs.filter(q)
    return qs


def filter_people(viewer: Any, tree: Any) -> QuerySet[Person]:
    """The people in the viewer's scope who match a segment tree (``core/conditions.py``):
    one queryset. SegmentError (nothing compiled) if anything in the tree is wrong."""
    return people_visible_to(viewer).filter(compile_tree(tree, viewer))


def access_person(viewer: Any, pk: Any) -> Person:
    """The person with this id if the viewer may see it, else 404 (never 403: a record
    outside the scope is answered as if it did not exist). Whoever sees a person may edit
    them (DESIGN.md "Who may see what": one column, "sees and edits")."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    person = people_visible_to(viewer).select_related("home_unit").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def can_see_person(viewer: Any, person_id: int) -> bool:
    return people_visible_to(viewer).filter(pk=person_id).exists()


_PHONE_CHARS = set("0123456789+-() ")


def search_q(query: str) -> Q | None:
    """The people list's search box: name prefix, email, phone in any format, member number.
    None for an empty query."""
    text = " ".join(query.split())
    if not text:
        return None
    if "@" in text:
        return Q(email__startswith=normalise_email(text))
    if set(text) <= _PHONE_CHARS and any(ch.isdigit() for ch in text):
        q = Q(member_number=text.replace(" ", ""))
        phone = normalise_phone(text)
        if phone:
            q |= Q(mobile=phone) | Q(other_phone=phone)
        return q
    tokens = normalise_name(text).split(" ")
    if len(tokens) == 1:
        return Q(last_name_key__startswith=tokens[0]) | Q(first_name_key__startswith=tokens[0])
    first, rest = tokens[0], " ".join(tokens[1:])
    last, before = tokens[-1], " ".join(tokens[:-1])
    return (
        Q(first_name_key__startswith=first, last_name_key__startswith=rest)
        | Q(first_name_key__startswith=before, last_name_key__startswith=last)
        | Q(last_name_key__startswith=first, first_name_key__startswith=rest)
    )


def people_search(viewer: Any, query: str) -> QuerySet[Person]:
    qs = people_visible_to(viewer)
    q = search_q(query)
    if q is not None:
        qs = qs.filter(q)
    return qs.select_related("home_unit")


def page_of(qs: QuerySet[Person], *, page: int, per_page: int = 50) -> tuple[list[Person], bool]:
    """One page of a list without COUNT(*) over the whole scope: fetch one row more than
    shown to know whether a next page exists."""
    page = max(page, 1)
    start = (page - 1) * per_page
    rows = list(qs[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def accounts_who_see_person(person: Person) -> QuerySet[Any]:
    """Active staff accounts that may see this person: the secretariat, and district or
    group accounts whose scope reaches them (checked through the same scope rules). Used to
    offer follow-up owners; a short list."""
    unit_paths: set[str] = set()
    if person.home_unit_id:
        unit_paths.add(person.home_unit.path)  # type: ignore[union-attr]
    for model in (UnitMembership, Role):
        unit_paths.update(model.objects.filter(person=person).values_list("unit__path", flat=True))
    prefixes = {path[: i + 1] for path in unit_paths for i, ch in enumerate(path) if ch == "/"}
    national = [User.AccessRole.ADMIN, User.AccessRole.STAFF]
    candidates = (
        User.objects.filter(
            is_active=True,
            access_role__in=[User.AccessRole.DISTRICT, User.AccessRole.COORDINATOR],
            scopes__unit__path__in=prefixes,
        ).distinct()
        if prefixes
        else User.objects.none()
    )
    seeing = [user.pk for user in candidates if can_see_person(user, person.pk)]
    return User.objects.filter(
        Q(access_role__in=national) | Q(pk__in=seeing), is_active=True
    ).order_by("name", "email")

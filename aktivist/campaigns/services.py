"""Writes on priorities, campaigns and actions: validated, scoped and audited.

Who may do what (DESIGN.md, "Who may see what"):

* Priorities are the secretariat's (national staff and admins).
* National staff create and change every campaign. District representatives and group
  coordinators create and change district and local campaigns owned by a unit in their
  scope; theirs are local initiatives.
* A campaign's scope fits its owning unit: national campaigns belong to the national unit,
  district campaigns to a district, local ones to a local group, school group or network.
* Elevation (lifting an initiative to a national campaign) is in ``elevation``; the
  participants' CSV in ``participants_export``.

Every function takes ``actor`` (the staff account; None for commands and tasks, which act
as the system), validates with ``full_clean()`` and records one audit event in the same
transaction. A ``ValidationError`` carries messages per field for the forms; an
``ApplicationError`` is a refusal whose message is safe to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aktivist.accounts.access import scope_for
from aktivist.campaigns.models import Action, Campaign, Participation, Priority
from aktivist.campaigns.selectors import can_edit_campaign
from aktivist.core import audit
from aktivist.core.exceptions import ApplicationError
from aktivist.lib.slugs import free_slug
from aktivist.organisation.models import Unit
from aktivist.organisation.services import require_unit_in_scope

SLUG_MAX = 80

CAMPAIGN_FIELDS = (
    "name",
    "description",
    "priority",
    "scope",
    "unit",
    "origin",
    "kind",
    "starts_on",
    "ends_on",
    "goal",
)
ACTION_FIELDS = (
    "kind",
    "slug",
    "title_sv",
    "title_en",
    "text_sv",
    "text_en",
    "opens_at",
    "closes_at",
    "goal",
    "is_published",
    "target_name",
    "target_email",
    "target_address",
    "letter_subject",
    "letter_text_sv",
    "letter_text_en",
    "letter_delivery",
)
TEXT_FIELDS = {
    "name",
    "description",
    "slug",
    "title_sv",
    "title_en",
    "text_sv",
    "text_en",
    "target_name",
    "target_email",
    "target_address",
    "letter_subject",
    "letter_text_sv",
    "letter_text_en",
    "letter_delivery",
}

# The unit kinds that may own a campaign of each scope.
UNIT_KINDS_FOR_SCOPE: dict[str, tuple[str, ...]] = {
    Campaign.Scope.NATIONAL: (Unit.Kind.NATIONAL,),
    Campaign.Scope.DISTRICT: (Unit.Kind.DISTRICT,),
    Campaign.Scope.LOCAL: (
        Unit.Kind.LOCAL_GROUP,
        Unit.Kind.SCHOOL_GROUP,
        Unit.Kind.NETWORK,
        Unit.Kind.YOUTH_NETWORK,
    ),
}


def _is_national(actor: Any) -> bool:
    """The secretariat, or the system itself (commands and tasks pass actor=None)."""
    return actor is None or scope_for(actor).is_national


def require_national(actor: Any, message: str) -> None:
    if not _is_national(actor):
        raise ApplicationError(message)


def _clean_text(data: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The known fields only; texts stripped (None becomes "")."""
    cleaned: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        cleaned[name] = value
    return cleaned


def national_unit() -> Unit:
    """The organisation's root: the owner of every national campaign."""
    unit = (
        Unit.objects.filter(kind=Unit.Kind.NATIONAL, is_active=True).order_by("depth", "pk").first()
    )
    if unit is None:
        raise ApplicationError(_("There is no national unit yet; create it first."))
    return unit


# --- Priorities ----------------------------------------------------------------------------


def _check_priority(name: str, year: int, *, exclude_pk: int | None = None) -> None:
    """One priority per name and year, whatever the case (compared in Python: SQLite's
    case-insensitive match knows only ASCII, and a year holds a handful of priorities)."""
    others = Priority.objects.filter(year=year)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if name and name.casefold() in {n.casefold() for n in others.values_list("name", flat=True)}:
        raise ValidationError(
            {"name": _("There is already a priority with this name for %(year)s.") % {"year": year}}
        )


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})


@transaction.atomic
def priority_create(*, actor: Any, name: str, year: int, description: str = "") -> Priority:
    require_national(actor, _("Only the secretariat sets the priorities."))
    priority = Priority(name=name.strip(), year=year, description=(description or "").strip())
    _check_year(year)
    _check_priority(priority.name, year)
    priority.full_clean()
    priority.save()
    audit.record(actor=actor, verb="priority.create", obj=priority, details={"year": year})
    return priority


@transaction.atomic
def priority_update(
    *, actor: Any, priority: Priority, name: str, year: int, description: str = ""
) -> Priority:
    require_national(actor, _("Only the secretariat sets the priorities."))
    name = name.strip()
    values: dict[str, Any] = {
        "name": name,
        "year": year,
        "description": (description or "").strip(),
    }
    changed = [f for f, v in values.items() if getattr(priority, f) != v]
    if not changed:
        return priority
    _check_year(year)
    _check_priority(name, year, exclude_pk=priority.pk)
    for field in changed:
        setattr(priority, field, values[field])
    priority.full_clean()
    priority.save(update_fields=[*changed, "updated_at"])
    audit.record(actor=actor, verb="priority.update", obj=priority, details={"fields": changed})
    return priority


# --- Campaigns -----------------------------------------------------------------------------


def _check_campaign(actor: Any, campaign: Campaign, *, check_origin: bool) -> None:
    """Scope, owner and dates: field errors for the form, or a refusal."""
    errors: dict[str, str] = {}
    if campaign.unit_id is None and campaign.scope == Campaign.Scope.NATIONAL:
        campaign.unit = national_unit()
    if campaign.unit_id is None:
        errors["unit"] = _("Choose the unit that runs the campaign.")
    elif campaign.scope in UNIT_KINDS_FOR_SCOPE:
        unit = campaign.unit
        if unit.kind not in UNIT_KINDS_FOR_SCOPE[campaign.scope]:
            wrong_unit: dict[str, str] = {
                Campaign.Scope.NATIONAL: _("A national campaign belongs to the national unit."),
                Campaign.Scope.DISTRICT: _("A district campaign belongs to a district."),
                Campaign.Scope.LOCAL: _(
                    "A local campaign belongs to a local group, school group or network."
                ),
            }
            errors["unit"] = wrong_unit[campaign.scope]
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        errors["ends_on"] = _("The campaign cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    if not _is_national(actor):
        if campaign.scope == Campaign.Scope.NATIONAL:
            raise ValidationError({"scope": _("Only the secretariat runs national campaigns.")})
        if check_origin and campaign.origin != Campaign.Origin.LOCAL_INITIATIVE:
            raise ValidationError(
                {"origin": _("Campaigns started in a district or group are local initiatives.")}
            )
        require_unit_in_scope(actor, campaign.unit)


def _campaign_values(actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    values = _clean_text(data, CAMPAIGN_FIELDS)
    if "origin" in values and not values["origin"]:
        del values["origin"]
    return values


@transaction.atomic
def campaign_create(*, actor: Any, data: Mapping[str, Any]) -> Campaign:
    """A campaign from ``data`` (the fields of CAMPAIGN_FIELDS). A national campaign without
    a unit belongs to the national unit; the origin defaults to secretariat-led for the
    secretariat and to a local initiative for everyone else."""
    values = _campaign_values(actor, data)
    values.setdefault(
        "origin",
        Campaign.Origin.SECRETARIAT if _is_national(actor) else Campaign.Origin.LOCAL_INITIATIVE,
    )
    campaign = Campaign(**values)
    campaign.created_by = actor if getattr(actor, "is_authenticated", False) else None
    _check_campaign(actor, campaign, check_origin=True)
    campaign.full_clean()
    campaign.save()
    audit.record(
        actor=actor,
        verb="campaign.create",
        obj=campaign,
        details={"scope": campaign.scope, "unit": campaign.unit_id, "origin": campaign.origin},
    )
    return campaign


@transaction.atomic
def campaign_update(*, actor: Any, campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    if actor is not None and not can_edit_campaign(actor, campaign):
        raise ApplicationError(_("You cannot change this campaign."))
    values = _campaign_values(actor, data)
    # A fresh copy: a refused change leaves the caller's object as it was.
    campaign = Campaign.objects.select_for_update().select_related("unit").get(pk=campaign.pk)
    before = {f: getattr(campaign, f) for f in CAMPAIGN_FIELDS}
    for field, value in values.items():
        setattr(campaign, field, value)
    _check_campaign(actor, campaign, check_origin=campaign.origin != before["origin"])
    changed = [f for f in CAMPAIGN_FIELDS if getattr(campaign, f) != before[f]]
    if not changed:
        return campaign
    if "scope" in changed and campaign.elevated_from_id is not None:
        # A lifted campaign stays national: it is where the initiative's link points.
        raise ValidationError({"scope": _("A lifted campaign stays national.")})
    if "scope" in changed and campaign.elevation == Campaign.Elevation.PROPOSED:
        raise ValidationError({"scope": _("Decide the proposal first: lift it or decline it.")})
    campaign.full_clean()
    campaign.save(update_fields=[*changed, "updated_at"])
    audit.record(actor=actor, verb="campaign.update", obj=campaign, details={"fields": changed})
    return campaign


# --- Actions -------------------------------------------------------------------------------


def suggest_slug(text: str, *, exclude_pk: int | None = None) -> str:
    """A free public address /a/<slug>/ for an action, from its title or an old slug."""
    return free_slug(text, Action.objects.all(), fallback="aktion", exclude_pk=exclude_pk)


def _check_action(action: Action, *, slug_given: bool) -> None:
    errors: dict[str, str] = {}
    if action.kind == Action.Kind.LETTER and not action.letter_delivery:
        errors["letter_delivery"] = _("Choose how the letters reach the target.")
    if slug_given:
        if action.slug != slugify(action.slug):
            errors["slug"] = _(
                "Use lower-case letters a–z, digits and hyphens only, e.g. %(example)s."
            ) % {"example": slugify(action.slug) or "frige-ahmed"}
        elif Action.objects.filter(slug=action.slug).exclude(pk=action.pk).exists():
            errors["slug"] = _("This address is taken. Choose another.")
    if not action.title_sv:
        errors["title_sv"] = _("Write the title in Swedish.")
    if not action.text_sv:
        errors["text_sv"] = _("Write the text in Swedish.")
    if action.closes_at and action.opens_at and action.closes_at <= action.opens_at:
        errors["closes_at"] = _("It must close after it opens.")
    if action.kind == Action.Kind.LETTER:
        if not action.target_name:
            errors["target_name"] = _("A letter needs the name of the person it goes to.")
        if not action.target_email and not action.target_address:
            errors["target_address"] = _("A letter needs the target's email or postal address.")
        elif action.letter_delivery == Action.LetterDelivery.EMAIL and not action.target_email:
            errors["target_email"] = _("Letters sent by email need the target's email.")
        if not action.letter_text_sv:
            errors["letter_text_sv"] = _("Write the letter in Swedish.")
    if errors:
        raise ValidationError(errors)


def _require_editable(actor: Any, campaign: Campaign) -> None:
    if actor is not None and not can_edit_campaign(actor, campaign):
        raise ApplicationError(_("You cannot change this campaign."))


@transaction.atomic
def action_create(*, actor: Any, campaign: Campaign, data: Mapping[str, Any]) -> Action:
    """An action of ``campaign`` from ``data`` (the fields of ACTION_FIELDS). Without a slug
    the address is suggested from the Swedish title."""
    _require_editable(actor, campaign)
    values = _clean_text(data, ACTION_FIELDS)
    slug_given = bool(values.get("slug"))
    if not slug_given:
        values["slug"] = suggest_slug(values.get("title_sv", ""))
    if values.get("opens_at") is None:
        values["opens_at"] = timezone.now()
    if values.get("is_published") is None:
        values.pop("is_published", None)
    action = Action(campaign=campaign, **values)
    action.created_by = actor if getattr(actor, "is_authenticated", False) else None
    _check_action(action, slug_given=slug_given)
    action.full_clean()
    action.save()
    audit.record(
        actor=actor,
        verb="action.create",
        obj=action,
        details={"campaign": campaign.pk, "kind": action.kind, "slug": action.slug},
    )
    return action


@transaction.atomic
def action_update(*, actor: Any, action: Action, data: Mapping[str, Any]) -> Action:
    """Change an action. Its address stays once someone has taken it: shared links would
    break."""
    _require_editable(actor, action.campaign)
    values = _clean_text(data, ACTION_FIELDS)
    action = Action.objects.select_for_update().select_related("campaign").get(pk=action.pk)
    if "slug" in values and not values["slug"]:
        del values["slug"]
    if values.get("opens_at") is None:
        values.pop("opens_at", None)
    if values.get("is_published") is None:
        values.pop("is_published", None)
    changed = [f for f, v in values.items() if getattr(action, f) != v]
    if not changed:
        return action
    if "slug" in changed and Participation.objects.filter(action=action).exists():
        raise ValidationError(
            {"slug": _("The address cannot change once people have taken the action.")}
        )
    for field in changed:
        setattr(action, field, values[field])
    _check_action(action, slug_given="slug" in changed)
    action.full_clean()
    action.save(update_fields=[*changed, "updated_at"])
    audit.record(actor=actor, verb="action.update", obj=action, details={"fields": changed})
    return action


@transaction.atomic
def action_set_published(*, actor: Any, action: Action, published: bool) -> Action:
    """Publish (the public page answers) or unpublish (the page is gone: 404)."""
    _require_editable(actor, action.campaign)
    if action.is_published == published:
        return action
    action.is_published = published
    action.save(update_fields=["is_published", "updated_at"])
    audit.record(
        actor=actor, verb="action.publish" if published else "action.unpublish", obj=action
    )
    return action


@transaction.atomic
def action_close_now(*, actor: Any, action: Action, now: dt.datetime | None = None) -> Action:
    """Stop taking signatures now; the page stays and says it is closed."""
    _require_editable(actor, action.campaign)
    now = now or timezone.now()
    if action.closes_at is not None and action.closes_at <= now:
        raise ApplicationError(_("It is already closed."))
    if action.opens_at >= now:
        raise ApplicationError(_("It has not opened yet; unpublish it instead."))
    action.closes_at = now
    action.full_clean()
    action.save(update_fields=["closes_at", "updated_at"])
    audit.record(actor=actor, verb="action.close", obj=action)
    return action

"""Demo organisation: the national unit, the 21 regions as districts with their postcode
areas, local groups with their own 3-digit prefixes, school groups and networks; the role
types and tags. Reuses what already exists, so the demo can be loaded again."""

from __future__ import annotations

from dataclasses import dataclass

from aktivist.demo import lists
from aktivist.demo.draw import cumulative
from aktivist.organisation.models import PostcodePrefix, RoleType, Unit
from aktivist.organisation.selectors import prefix_map
from aktivist.people.models import Tag


def group_name(town: str) -> str:
    return f"Grupp {town}"


def school_name(town: str) -> str:
    return f"{town} gymnasium"


def _slug(text: str) -> str:
    return "-".join(text.translate(lists.ASCII_FOLD).lower().split())


@dataclass
class DistrictOrg:
    index: int
    spec: lists.DistrictSpec
    unit: Unit
    group_ids: list[int]
    group_cum: list[float]
    school_ids: list[int]
    default_town: str


@dataclass
class Org:
    national: Unit
    districts: list[DistrictOrg]
    district_cum: list[float]
    networks: list[int]
    youth_networks: list[int]
    refugee_network: int
    prefixes: dict[str, int]
    town_by_prefix3: dict[str, str]
    group_by_town: dict[str, int]
    units_by_id: dict[int, Unit]

    def district(self, region: str) -> DistrictOrg:
        return next(d for d in self.districts if d.spec.region == region)


def _unit(name: str, kind: str, parent: Unit | None, municipality: str = "") -> Unit:
    unit = Unit.objects.filter(name=name, parent=parent).first()
    if unit is None:
        unit = Unit(name=name, kind=kind, parent=parent, municipality=municipality)
        unit.email = f"{_slug(name)}@example.org"
        unit.save()
    return unit


def build_organisation() -> Org:
    """The national unit, 21 districts, the local and school groups and the networks, with
    their postcode prefixes. Reuses units that already exist (by name and parent)."""
    national = Unit.objects.filter(kind=Unit.Kind.NATIONAL, parent=None).first()
    if national is None:
        national = _unit(lists.NATIONAL_NAME, Unit.Kind.NATIONAL, None)
    units_by_id: dict[int, Unit] = {national.pk: national}
    wanted_prefixes: dict[str, Unit] = {}
    districts: list[DistrictOrg] = []
    town_by_prefix3: dict[str, str] = {}
    group_by_town: dict[str, int] = {}
    for index, spec in enumerate(lists.DISTRICTS):
        district = _unit(spec.unit_name, Unit.Kind.DISTRICT, national)
        units_by_id[district.pk] = district
        for prefix in spec.prefixes:
            wanted_prefixes[prefix] = district
        group_ids = []
        for town, prefix3 in spec.groups:
            group = _unit(group_name(town), Unit.Kind.LOCAL_GROUP, district, town)
            units_by_id[group.pk] = group
            wanted_prefixes[prefix3] = group
            group_ids.append(group.pk)
            town_by_prefix3[prefix3] = town
            group_by_town[town] = group.pk
        school_ids = []
        for town in spec.schools:
            school = _unit(school_name(town), Unit.Kind.SCHOOL_GROUP, district, town)
            units_by_id[school.pk] = school
            school_ids.append(school.pk)
        # Other 3-digit areas take the name of a group town in the same 2-digit area.
        for prefix in spec.prefixes:
            near = [t for t, p3 in spec.groups if p3.startswith(prefix)]
            for digit in "0123456789":
                town_by_prefix3.setdefault(prefix + digit, near[0] if near else spec.groups[0][0])
        districts.append(
            DistrictOrg(
                index=index,
                spec=spec,
                unit=district,
                group_ids=group_ids,
                # The lists put the largest towns first: weights fall with the rank.
                group_cum=cumulative(1.0 / (rank + 2) for rank in range(len(group_ids))),
                school_ids=school_ids,
                default_town=spec.groups[0][0],
            )
        )
    networks: list[int] = []
    youth_networks: list[int] = []
    refugee_network = 0
    for name, kind in lists.NETWORKS:
        unit = _unit(name, kind, national)
        units_by_id[unit.pk] = unit
        (youth_networks if kind == Unit.Kind.YOUTH_NETWORK else networks).append(unit.pk)
        if name == lists.REFUGEE_NETWORK:
            refugee_network = unit.pk
    existing = set(PostcodePrefix.objects.values_list("prefix", flat=True))
    PostcodePrefix.objects.bulk_create(
        [PostcodePrefix(prefix=p, unit=u) for p, u in wanted_prefixes.items() if p not in existing]
    )
    return Org(
        national=national,
        districts=districts,
        district_cum=cumulative(d.spec.weight for d in districts),
        networks=networks,
        youth_networks=youth_networks,
        refugee_network=refugee_network,
        prefixes=prefix_map(),
        town_by_prefix3=town_by_prefix3,
        group_by_town=group_by_town,
        units_by_id=units_by_id,
    )


def ensure_role_types() -> dict[str, int]:
    """Role types by slug, created when missing."""
    out = {}
    for slug, name, name_en in lists.ROLE_TYPES:
        role_type = RoleType.objects.filter(slug=slug).first()
        if role_type is None:
            role_type = RoleType.objects.filter(name=name).first()
        if role_type is None:
            role_type = RoleType.objects.create(slug=slug, name=name, name_en=name_en)
        out[slug] = role_type.pk
    return out


def ensure_tags() -> list[int]:
    ids = []
    for name, description in lists.TAGS:
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"description": description})
        ids.append(tag.pk)
    return ids

"""A full membership register file: the current members no row of it names."""

from __future__ import annotations

from aktivist.imports import matcher
from aktivist.imports.models import ImportBatch
from aktivist.imports.reading import open_sanitised_table
from aktivist.lib.normalise import normalise_phone_fast
from aktivist.people.models import Person


def register_missing_members(batch: ImportBatch) -> list[int]:
    """Current members that no row of this full register file names — by member number,
    email or mobile, read from the cells themselves so that a row refused for another
    reason still counts as naming its member (a typo must not make anyone former)."""
    table = open_sanitised_table(batch.file.path)
    headers = [str(h) for h in table.headers]
    columns = {
        kind: [i for i, h in enumerate(headers) if batch.mapping.get(h) == kind]
        for kind in matcher.KEY_FIELDS
    }
    # The number, not the column, decides which phone is the mobile (rows.py).
    columns["mobile"] += [i for i, h in enumerate(headers) if batch.mapping.get(h) == "other_phone"]
    seen: dict[str, set[str]] = {kind: set() for kind in matcher.KEY_FIELDS}
    for _line, cells in table.rows():
        for kind, indexes in columns.items():
            for i in indexes:
                if i < len(cells) and (value := cells[i].strip()):
                    if kind == "email":
                        value = value.lower()
                    elif kind == "mobile":
                        value = normalise_phone_fast(value) or value
                    else:
                        value = value.replace(" ", "")
                    seen[kind].add(value)
    numbers, emails, mobiles = seen["member_number"], seen["email"], seen["mobile"]
    missing = []
    members = Person.objects.filter(
        membership_status=Person.MembershipStatus.MEMBER, is_active=True
    ).values_list("pk", "member_number", "email", "mobile")
    for pk, number, email, mobile in members.iterator(chunk_size=10_000):
        if (
            (number and number in numbers)
            or (email and email in emails)
            or (mobile and mobile in mobiles)
        ):
            continue
        missing.append(pk)
    return missing

"""Rules for taking a typed row for a stored person, shared by the paths that match staff
input to people (imports, walk-ins at the door, attendance uploads).

A mobile number is a key, but people mistype, share and pass on numbers: a row that found
someone only by the mobile, while both its name and its email are someone else's, is a
conflict to check, not the mobile's owner (taking it would attach another person's
actions, or give the owner a stranger's email).
"""

from __future__ import annotations

from aktivist.lib.normalise import normalise_email


def _name_key(value: str | None) -> str:
    return "".join((value or "").split()).casefold()


def names_differ(
    *, typed_first_name: str, typed_last_name: str, stored_first_name: str, stored_last_name: str
) -> bool:
    """The case- and space-insensitive first names differ, or both last names are given
    and differ."""
    if _name_key(typed_first_name) != _name_key(stored_first_name):
        return True
    typed_last, stored_last = _name_key(typed_last_name), _name_key(stored_last_name)
    return bool(typed_last and stored_last and typed_last != stored_last)


def emails_differ(*, typed_email: str | None, stored_email: str | None) -> bool:
    """An email was typed and it is not the stored one (an empty stored email counts as
    different: the row would give the mobile's owner a stranger's email)."""
    typed = normalise_email(typed_email)
    if not typed:
        return False
    return typed != normalise_email(stored_email)


def same_person_by_mobile(
    *,
    typed_first_name: str,
    typed_last_name: str,
    typed_email: str | None,
    stored_first_name: str,
    stored_last_name: str,
    stored_email: str | None,
) -> bool:
    """Whether a row/walk-in that matched someone ONLY by mobile may be taken as that person:
    False when both the name and the email differ. Names differ when the case- and
    space-insensitive first names differ, or both last names are given and differ. Emails
    differ when an email was typed and it is not the stored one (an empty stored email
    counts as different: the row would give the mobile's owner a stranger's email)."""
    return not (
        names_differ(
            typed_first_name=typed_first_name,
            typed_last_name=typed_last_name,
            stored_first_name=stored_first_name,
            stored_last_name=stored_last_name,
        )
        and emails_differ(typed_email=typed_email, stored_email=stored_email)
    )

"""Helpers for the peer-tool import tests (test_peer_*.py, test_optouts.py): files written
byte for byte as another tool exports them, and what every person a batch created ended up
with (names, phones, postcode, tags, membership, consents, suppressions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from django.db.models import Q

from aktivist.imports.models import ImportBatch
from aktivist.mobilization.models import Suppression
from aktivist.people.models import Person

# How a tool quotes its cells: "minimal" only a cell that needs it (the delimiter, a quote, a
# line break); "all" every cell; "non-empty" every cell but the empty ones, left as nothing
# (CiviCRM); "spaces" also a cell holding a space (Mailchimp: headers, timestamps).
Quote = Literal["minimal", "all", "non-empty", "spaces"]

# CiviCRM's contact export, "Export PRIMARY fields" (docs/peer-exports.md section 4): the
# header of civicrm-core tests/phpunit/CRM/Export/BAO/ExportTest.php getBasicHeaderDefinition.
CIVICRM_HEADER = (
    "Contact ID,Contact Type,Contact Subtype,Do Not Email,Do Not Phone,Do Not Mail,Do Not Sms,"
    "Do Not Trade,No Bulk Emails (User Opt Out),Legal Identifier,External Identifier,Sort Name,"
    "Display Name,Nickname,Legal Name,Image Url,Preferred Communication Method,"
    "Preferred Language,Preferred Mail Format,Contact Hash,Contact Source,First Name,"
    "Middle Name,Last Name,Individual Prefix,Individual Suffix,Formal Title,"
    "Communication Style,Email Greeting ID,Postal Greeting ID,Addressee ID,Job Title,Gender,"
    "Birth Date,Deceased,Deceased Date,Household Name,Organization Name,Sic Code,"
    "Unique ID (OpenID),Current Employer ID,Contact is in Trash,Created Date,Modified Date,"
    "Addressee,Email Greeting,Postal Greeting,Current Employer,Location Type,Street Address,"
    "Street Number,Street Number Suffix,Street Name,Street Unit,Supplemental Address 1,"
    "Supplemental Address 2,Supplemental Address 3,City,Postal Code Suffix,Postal Code,"
    "Latitude,Longitude,Address Name,Master Address Belongs To,County,State,Country,Phone,"
    "Phone Extension,Phone Type,Email,On Hold,Use for Bulk Mail,Signature Text,Signature Html,"
    "IM Provider,IM Screen Name,OpenID,World Region,Website,Group(s),Tag(s),Note(s)"
).split(",")


def csv_line(
    cells: Sequence[str], *, delimiter: str = ",", quote: Quote = "minimal", end: str = "\r\n"
) -> str:
    special = delimiter + '"\r\n' + (" " if quote == "spaces" else "")

    def one(cell: str) -> str:
        if quote == "all" or (quote == "non-empty" and cell) or any(c in cell for c in special):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return delimiter.join(one(c) for c in cells) + end


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    delimiter: str = ",",
    quote: Quote = "minimal",
    line_end: str = "\r\n",
) -> str:
    return "".join(
        csv_line(cells, delimiter=delimiter, quote=quote, end=line_end) for cells in [header, *rows]
    )


def write_export(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    quote: Quote = "minimal",
    line_end: str = "\r\n",
) -> Path:
    """The file as bytes: ``bom`` writes U+FEFF first in ``encoding`` ("utf-16-le" with
    ``bom`` gives FF FE, "utf-8" EF BB BF)."""
    text = csv_text(header, rows, delimiter=delimiter, quote=quote, line_end=line_end)
    path.write_bytes((("\ufeff" if bom else "") + text).encode(encoding))
    return path


# IdrottOnline's person list export (docs/peer-exports.md 9a): its columns in their order.
IDROTTONLINE_HEADER = (
    "Typ;Målsman;Förnamn;Alt. förnamn;Efternamn;IdrottsID;Födelsedat./Personnr.;Kön;"
    "Nationalitet;Telefon mobil;E-post kontakt;Kontaktadress - c/o adress;"
    "Kontaktadress - Gatuadress;Kontaktadress - Postnummer;Kontaktadress - Postort;"
    "Kontaktadress - Land;Folkbokföring - c/o adress;Folkbokföring - Gatuadress;"
    "Folkbokföring - Postnummer;Folkbokföring - Postort;Folkbokföring - Land;"
    "Folkbokföring - Kommunkod;Folkbokföring - Kommun;Arbetsadress - c/o adress;"
    "Arbetsadress - Gatuadress;Arbetsadress - Postnummer;Arbetsadress - Postort;"
    "Arbetsadress - Land;Telefon bostad;Telefon arbete;E-post privat;E-post arbete;Roller;"
    "Behörighet;Övrig medlemsinfo;Grupp/Lag/Arbetsrum/Familj;Familj;Fam.Admin;Medlemsnr.;"
    "Medlem sedan;Medlem t.o.m.;Organisation;Registreringsdatum;Avslutningsdatum"
).split(";")


# --- Consents the importer states for a file --------------------------------------------------

CONFIRMED_EMAIL = ("email", "campaigns", "confirmed")
CONFIRMED_SMS = ("sms", "campaigns", "confirmed")
UNSUBSCRIBED_EMAIL = ("email", "unsubscribed")
UNSUBSCRIBED_SMS = ("sms", "unsubscribed")
BOUNCED_EMAIL = ("email", "bounced")
BOUNCED_SMS = ("sms", "bounced")


def stated_consents(
    source: str, wording: str, *channels: str, version: str = "1"
) -> dict[str, Any]:
    """The import options of a file whose consents (purpose "campaigns") the importer states
    with their source and wording: recorded confirmed, unless the row opts out."""
    consents = [
        {
            "channel": channel,
            "purpose": "campaigns",
            "source": source,
            "wording_version": version,
            "wording": wording,
        }
        for channel in channels
    ]
    return {"consents": consents}


# --- What an import created -----------------------------------------------------------------


def created(batch: ImportBatch) -> dict[str, Person]:
    """The people the batch created, by "first last"."""
    people = Person.objects.filter(import_batch=batch).prefetch_related("tags")
    return {f"{p.first_name} {p.last_name}".strip(): p for p in people}


def row_of(person: Person) -> tuple[str, str, str | None, str, str]:
    """(first name, last name, mobile, other phone, postcode)."""
    return (person.first_name, person.last_name, person.mobile, person.other_phone, person.postcode)


def tag_names(person: Person) -> set[str]:
    return {tag.name for tag in person.tags.all()}


def consents_of(person: Person) -> set[tuple[str, str, str]]:
    """(channel, purpose, status) of every consent the person has."""
    return set(person.consents.values_list("channel", "purpose", "status"))


def suppressions_of(person: Person) -> set[tuple[str, str]]:
    """(channel, reason) of every suppression of the person's email and mobile."""
    addresses = [("email", person.email), ("sms", person.mobile)]
    wanted = [Q(channel=channel, address=address) for channel, address in addresses if address]
    if not wanted:
        return set()
    query = wanted[0] if len(wanted) == 1 else wanted[0] | wanted[1]
    return set(Suppression.objects.filter(query).values_list("channel", "reason"))


def person_summary(person: Person) -> dict[str, Any]:
    """What a person an import created holds: the fields issue 16 asks the tests to check."""
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "mobile": person.mobile,
        "other_phone": person.other_phone,
        "postcode": person.postcode,
        "tags": sorted(tag_names(person)),
        "membership_status": person.membership_status,
        "consents": consents_of(person),
        "suppressions": suppressions_of(person),
    }


def expected_person(
    first: str,
    last: str,
    mobile: str | None,
    other: str,
    postcode: str,
    tags: Iterable[str],
    *,
    consents: Iterable[tuple[str, str, str]] = (),
    suppressions: Iterable[tuple[str, str]] = (),
    membership: str = Person.MembershipStatus.NON_MEMBER,
) -> dict[str, Any]:
    """A person_summary as a test expects it: no consent, suppression or membership unless
    given."""
    return {
        "first_name": first,
        "last_name": last,
        "mobile": mobile,
        "other_phone": other,
        "postcode": postcode,
        "tags": sorted(tags),
        "membership_status": membership,
        "consents": set(consents),
        "suppressions": set(suppressions),
    }


def created_people(batch: ImportBatch) -> dict[str, dict[str, Any]]:
    """{email, or "first last" when there is none: summary} of the people ``batch`` created."""
    people = Person.objects.filter(import_batch=batch).prefetch_related("tags")
    return {(p.email or f"{p.first_name} {p.last_name}"): person_summary(p) for p in people}

"""Opt-outs in other tools' files are never dropped (issue 16, item 3): an unsubscribe,
do-not-email, do-not-SMS, cleaned or bounced column becomes withdrawn consents and a
suppression; nobody who opted out gets a mobilization's message; the dry run counts them;
undo keeps them.

Files are laid out as the tools export them, from docs/peer-exports.md: Action Network
section 1 (report header and can2_* values), NationBuilder section 2 (people export, true/
false values), Mailchimp section 3 (the unsubscribed and cleaned files of an audience
export), CiviCRM section 4 (the "Export PRIMARY fields" header, every value quoted, CRLF,
UTF-8 BOM, flags empty when false and 1 when true).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from aktivist.imports import chunks, optouts, runner, services
from aktivist.imports.models import ImportBatch
from aktivist.imports.tests.import_helpers import import_file, media, upload, write_csv
from aktivist.imports.tests.peer_helpers import CIVICRM_HEADER, write_export
from aktivist.mobilization import services as mobilization_services
from aktivist.mobilization import starting
from aktivist.mobilization.models import Delivery, Mobilization, Suppression
from aktivist.mobilization.recipients import blocking_reason, suppressed_addresses
from aktivist.mobilization.tests.factories import MessageFactory, SegmentFactory
from aktivist.people.models import Consent, Person, Tag
from aktivist.people.tests.factories import ConsentFactory, PersonFactory

__all__ = ["media"]

pytestmark = pytest.mark.usefixtures("media")

WORDING = "Ja, jag vill få e-post om kampanjer."
STATED_CONSENT = {
    "channel": "email",
    "purpose": "campaigns",
    "source": "Action Network, petition 2026",
    "wording_version": "an-2026-1",
    "wording": WORDING,
}


def options(*, consent: bool = True, tag: str = "Importerad") -> dict[str, Any]:
    return {"tags": [tag], "consents": [STATED_CONSENT] if consent else []}


def suppression(address: str, channel: str = "email") -> Suppression | None:
    return Suppression.objects.filter(channel=channel, address=address, purpose="").first()


def email_consent(person: Person) -> Consent | None:
    return person.consents.filter(channel="email", purpose="campaigns").first()


def skipped_reasons(actor: Any, tag: str = "Importerad", channel: str = "email") -> dict[str, str]:
    """Start a campaign mobilization to everyone with the tag, through the mobilization
    services (segment, snapshot): email or mobile -> "" when the person gets the message,
    else the reason they are skipped."""
    label = Tag.objects.get(name=tag)
    message = MessageFactory(channel=channel)
    if channel == "sms":
        message.subject_sv = message.subject_en = ""
        message.body_sv = "Skriv under idag."
        message.body_en = "Sign today."
        message.save()
    mobilization = mobilization_services.mobilization_create(
        actor=actor,
        name="Upprop",
        message=message,
        segment=SegmentFactory(tree={"condition": "tag", "value": {"tags": [label.pk]}}),
    )
    mobilization_services.mobilization_request_send(actor=actor, mobilization=mobilization)
    starting.mobilization_start(mobilization.pk)
    mobilization.refresh_from_db()
    assert mobilization.status != Mobilization.Status.STARTING
    field = "person__mobile" if channel == "sms" else "person__email"
    return {
        address: reason
        for address, reason in Delivery.objects.filter(mobilization=mobilization).values_list(
            field, "reason"
        )
    }


# --- Action Network (docs/peer-exports.md 1) -------------------------------------------------

AN_HEADER = (
    "uuid,first_name,last_name,email,Phone Number,can2_user_address,can2_user_city,"
    "can2_user_state,zip_code,County,can2_user_tags,can2_subscription_status,can2_sms_status"
).split(",")


def an_row(first: str, email: str, status: str, sms: str = "", phone: str = "") -> list[str]:
    return [
        f"uuid-{first}",
        first,
        "Andersson",
        email,
        phone,
        "Storgatan 1",
        "Malmö",
        "",
        "21145",
        "",
        "Phone_Bank, ?Direct Action",
        status,
        sms,
    ]


def test_action_network_statuses_become_suppressions_and_beat_the_stated_consent(
    personas: Any, tmp_path: Path
) -> None:
    known = PersonFactory(email="kand@example.org", first_name="Kim")
    ConsentFactory(person=known, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    path = write_csv(
        tmp_path,
        [
            an_row("Sara", "sara@example.org", "subscribed", "subscribed", "0701234561"),
            an_row("Ulla", "ulla@example.org", "unsubscribed"),
            an_row("Bo", "bo@example.org", "bouncing"),
            an_row("Sam", "sam@example.org", "spam complaint"),
            an_row("Kim", "kand@example.org", "unsubscribed"),
            an_row("Sms", "sms@example.org", "subscribed", "unsubscribed", "0701234562"),
        ],
        header=AN_HEADER,
        delimiter=",",
    )
    batch = import_file(personas.admin, path, options=options())
    assert batch.status == ImportBatch.Status.FINISHED
    assert batch.refused_count == 0
    assert batch.opted_out_count == 5

    # The opt-outs are recorded, for every purpose…
    assert suppression("ulla@example.org").reason == "unsubscribed"
    assert suppression("bo@example.org").reason == "bounced"
    assert suppression("sam@example.org").reason == "complained"
    assert suppression("kand@example.org").reason == "unsubscribed"
    assert suppression("+46701234562", channel="sms").reason == "unsubscribed"
    assert suppression("sara@example.org") is None
    assert suppression("sms@example.org") is None
    # …linked to the person, and the importer's stated consent is not recorded for them.
    ulla = Person.objects.get(email="ulla@example.org")
    assert suppression("ulla@example.org").person == ulla
    assert email_consent(ulla) is None
    assert email_consent(Person.objects.get(email="sam@example.org")) is None
    sara = Person.objects.get(email="sara@example.org")
    assert email_consent(sara).status == Consent.Status.CONFIRMED
    # A bounce is not a withdrawal: the consent stands, the address is suppressed.
    assert email_consent(Person.objects.get(email="bo@example.org")).status == "confirmed"
    assert blocking_reason("bo@example.org") == "bounced"
    # The known person's confirmed consent is withdrawn.
    consent = email_consent(known)
    assert consent.status == Consent.Status.WITHDRAWN
    assert consent.withdrawn_at is not None

    reasons = skipped_reasons(personas.staff)
    assert reasons["sara@example.org"] == ""
    assert reasons["sms@example.org"] == ""  # an SMS opt-out says nothing about email
    assert reasons["ulla@example.org"] == "unsubscribed"
    assert reasons["bo@example.org"] == "bounced"
    assert reasons["sam@example.org"] == "complained"
    assert reasons["kand@example.org"] == "unsubscribed"


def test_an_sms_opt_out_keeps_the_mobilization_from_the_mobile(
    personas: Any, tmp_path: Path
) -> None:
    person = PersonFactory(email="text@example.org", mobile="+46701234563", first_name="Tess")
    ConsentFactory(
        person=person,
        channel="sms",
        status=Consent.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmed_by=Consent.ConfirmedBy.SMS_CODE,
    )
    path = write_csv(
        tmp_path,
        [an_row("Tess", "text@example.org", "subscribed", "unsubscribed", "0701234563")],
        header=AN_HEADER,
        delimiter=",",
    )
    batch = import_file(personas.admin, path, options=options(consent=False))
    assert batch.opted_out_count == 1
    assert person.consents.get(channel="sms").status == Consent.Status.WITHDRAWN
    assert suppression("+46701234563", channel="sms").reason == "unsubscribed"
    assert skipped_reasons(personas.staff, channel="sms")["+46701234563"] == "unsubscribed"


# --- NationBuilder (docs/peer-exports.md 2) --------------------------------------------------

# The people export's columns in their order (a subset: the others stay empty).
NB_HEADER = (
    "nationbuilder_id,first_name,last_name,email1,email_opt_in,phone_number,do_not_call,"
    "do_not_contact,mobile_number,mobile_opt_in,is_mobile_bad,tag_list,created_at,"
    "unsubscribed_at,email1_is_bad"
).split(",")


def nb_row(n: int, first: str, **flags: str) -> list[str]:
    values = {
        "nationbuilder_id": str(n),
        "first_name": first,
        "last_name": "Nilsson",
        "email1": f"{first.lower()}@example.org",
        "email_opt_in": "true",
        "phone_number": "",
        "do_not_call": "false",
        "do_not_contact": "false",
        "mobile_number": f"'070123450{n}",  # NationBuilder's ' for Excel's benefit
        "mobile_opt_in": "true",
        "is_mobile_bad": "false",
        "tag_list": "volunteer, donor",
        "created_at": "2014-06-25T15:35:22-07:00",
        "unsubscribed_at": "",
        "email1_is_bad": "false",
        **flags,
    }
    return [values[h] for h in NB_HEADER]


def test_nationbuilder_flags_opt_out_and_a_yes_is_no_consent(personas: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            nb_row(1, "Yes"),
            nb_row(2, "Nomail", email_opt_in="false"),
            nb_row(3, "Nosms", mobile_opt_in="false"),
            nb_row(4, "Never", do_not_contact="true"),
            nb_row(5, "Bad", email1_is_bad="true", is_mobile_bad="true"),
            nb_row(6, "Gone", unsubscribed_at="2019-03-01T10:00:00-08:00"),
        ],
        header=NB_HEADER,
        delimiter=",",
    )
    batch = import_file(personas.admin, path, options=options(consent=False))
    assert batch.created_count == 6 and batch.refused_count == 0
    # email_opt_in=true is not a consent by itself; nothing suppressed either.
    yes = Person.objects.get(email="yes@example.org")
    assert not yes.consents.exists()
    assert suppression("yes@example.org") is None
    assert suppression("+46701234501", channel="sms") is None
    assert suppression("nomail@example.org").reason == "unsubscribed"
    assert suppression("+46701234502", channel="sms") is None
    assert suppression("nosms@example.org") is None
    assert suppression("+46701234503", channel="sms").reason == "unsubscribed"
    assert suppression("never@example.org").reason == "unsubscribed"
    assert suppression("+46701234504", channel="sms").reason == "unsubscribed"
    assert suppression("bad@example.org").reason == "bounced"
    assert suppression("+46701234505", channel="sms").reason == "bounced"
    assert suppression("gone@example.org").reason == "unsubscribed"
    assert batch.opted_out_count == 7


# --- Mailchimp (docs/peer-exports.md 3) ------------------------------------------------------

MC_START = (
    "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,"
    "CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION"
).split(",")
MC_END = ["LEID", "EUID", "NOTES", "TAGS"]
MC_UNSUBSCRIBED = [
    *MC_START,
    "UNSUB_TIME",
    "UNSUB_CAMPAIGN_TITLE",
    "UNSUB_CAMPAIGN_ID",
    "UNSUB_REASON",
    "UNSUB_REASON_OTHER",
    *MC_END,
]
MC_CLEANED = [*MC_START, "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE", "CLEAN_CAMPAIGN_ID", *MC_END]


def mailchimp_csv(directory: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    """Comma, a cell quoted when it holds a space (headers, timestamps) or needs it."""
    return write_export(directory / name, header, rows, quote="spaces")


def mc_row(email: str, first: str, time: str, *tail: str) -> list[str]:
    start = [email, first, "Berg", "2", "2020-01-02 10:00:00", "", "", "", "", "", "", ""]
    start += ["", "SE", ""]
    return [*start, time, *tail, "123", "abc", "", '"Nyhetsbrev"']


def test_mailchimps_unsubscribed_file_withdraws_and_suppresses(
    personas: Any, tmp_path: Path
) -> None:
    known = PersonFactory(email="vera@example.org", first_name="Vera")
    ConsentFactory(person=known, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    path = mailchimp_csv(
        tmp_path,
        "unsubscribed_members_export_3f2a.csv",
        MC_UNSUBSCRIBED,
        [
            mc_row("vera@example.org", "Vera", "2024-05-01 12:11:50", "Vårbrev", "c1", "", ""),
            mc_row("olle@example.org", "Olle", "2024/05/02 08:00:00", "Vårbrev", "c1", "", ""),
        ],
    )
    batch = import_file(personas.admin, path, options=options())
    assert batch.refused_count == 0 and batch.opted_out_count == 2
    assert email_consent(known).status == Consent.Status.WITHDRAWN
    olle = Person.objects.get(email="olle@example.org")
    # The importer stated a consent for the file; the unsubscribe in the row beats it.
    assert email_consent(olle) is None
    assert suppression("olle@example.org").reason == "unsubscribed"
    reasons = skipped_reasons(personas.staff)
    assert reasons == {"vera@example.org": "unsubscribed", "olle@example.org": "unsubscribed"}


def test_mailchimps_cleaned_file_suppresses_the_bounced_addresses(
    personas: Any, tmp_path: Path, client_for: Any
) -> None:
    path = mailchimp_csv(
        tmp_path,
        "cleaned_members_export_3f2a.csv",
        MC_CLEANED,
        [mc_row("studs@example.org", "Stina", "2023-06-27 12:11:50", "Höstbrev", "c2")],
    )
    batch = import_file(personas.admin, path, options=options())
    assert batch.opted_out_count == 1
    assert suppression("studs@example.org").reason == "bounced"
    assert blocking_reason("studs@example.org") == "bounced"  # not even transactional mail
    assert skipped_reasons(personas.staff) == {"studs@example.org": "bounced"}
    page = client_for(personas.admin).get(reverse("imports:dry_run", args=[batch.pk]))
    assert "Opt-outs recorded" in page.content.decode()


# --- CiviCRM (docs/peer-exports.md 4) --------------------------------------------------------


def civicrm_csv(directory: Path, rows: Sequence[dict[str, str]]) -> Path:
    """As CRM_Core_Report_Excel::makeCSVTable writes it: a UTF-8 BOM, every header and
    every non-empty value in quotes, empty values as nothing, CRLF."""
    values = [[row.get(h, "") for h in CIVICRM_HEADER] for row in rows]
    path = directory / "CiviCRM_Contact_Search.csv"
    return write_export(path, CIVICRM_HEADER, values, bom=True, quote="non-empty")


def civi(n: int, first: str, **values: str) -> dict[str, str]:
    return {
        "Contact ID": str(n),
        "Contact Type": "Individual",
        "Sort Name": f"Svensson, {first}",
        "Display Name": f"{first} Svensson",
        "First Name": first,
        "Last Name": "Svensson",
        "Created Date": "2019-07-11 09:56:18",
        "Email": f"{first.lower()}@example.org",
        "Location Type": "Home",
        **values,
    }


def test_civicrm_privacy_flags_become_opt_outs(personas: Any, tmp_path: Path) -> None:
    path = civicrm_csv(
        tmp_path,
        [
            civi(1, "Alma"),
            civi(2, "Doris", **{"Do Not Email": "1"}),
            civi(3, "Nils", **{"No Bulk Emails (User Opt Out)": "1"}),
            civi(4, "Siv", **{"Do Not Sms": "1", "Phone": "070-123 45 64", "Phone Type": "Mobile"}),
            civi(5, "Hugo", **{"On Hold": "1"}),
            # Calls and post are not Aktivist's channels: no opt-out recorded for them.
            civi(6, "Per", **{"Do Not Phone": "1", "Do Not Mail": "1"}),
        ],
    )
    batch = import_file(personas.admin, path, options=options())
    assert batch.created_count == 6 and batch.refused_count == 0
    assert batch.opted_out_count == 4
    assert suppression("alma@example.org") is None
    assert suppression("doris@example.org").reason == "unsubscribed"
    assert suppression("nils@example.org").reason == "unsubscribed"
    assert suppression("+46701234564", channel="sms").reason == "unsubscribed"
    assert suppression("siv@example.org") is None
    assert suppression("hugo@example.org").reason == "bounced"
    assert suppression("per@example.org") is None
    reasons = skipped_reasons(personas.staff)
    assert reasons["alma@example.org"] == "" and reasons["per@example.org"] == ""
    assert reasons["siv@example.org"] == ""
    assert reasons["doris@example.org"] == "unsubscribed"
    assert reasons["nils@example.org"] == "unsubscribed"
    assert reasons["hugo@example.org"] == "bounced"


# --- Swedish headers and values --------------------------------------------------------------


def test_swedish_opt_out_columns_and_values(personas: Any, tmp_path: Path) -> None:
    header = ("Förnamn", "Efternamn", "E-post", "Mobil", "Avregistrerad", "Ej SMS")
    path = write_csv(
        tmp_path,
        [
            ("Anna", "Ek", "anna@example.org", "0701234571", "Ja", "nej"),
            ("Berit", "Ek", "berit@example.org", "0701234572", "", "x"),
            ("Cilla", "Ek", "cilla@example.org", "0701234573", "2024-01-31", ""),
            ("Dan", "Ek", "dan@example.org", "0701234574", "Nej", "Nej"),
        ],
        header=header,
    )
    batch = upload(personas.admin, path, options=options())
    assert batch.mapping["Avregistrerad"] == "email_opt_out"
    assert batch.mapping["Ej SMS"] == "sms_opt_out"
    batch = services.batch_start(
        actor=personas.admin, batch=batch, confirm_register_guard=False, enqueue=False
    )
    batch = runner.run(batch)
    assert batch.opted_out_count == 3
    assert suppression("anna@example.org").reason == "unsubscribed"
    assert suppression("+46701234571", channel="sms") is None
    assert suppression("+46701234572", channel="sms").reason == "unsubscribed"
    assert suppression("berit@example.org") is None
    assert suppression("cilla@example.org").reason == "unsubscribed"
    assert suppression("dan@example.org") is None


def test_an_unknown_opt_out_value_refuses_the_row_naming_column_and_value(
    personas: Any, tmp_path: Path
) -> None:
    header = ("Förnamn", "E-post", "Nej till utskick")
    path = write_csv(
        tmp_path,
        [("Eva", "eva@example.org", "kanske"), ("Fia", "fia@example.org", "ja")],
        header=header,
    )
    batch = import_file(personas.admin, path, options=options())
    assert batch.refused_count == 1 and batch.created_count == 1
    issue = batch.issues.get(kind="refused")
    assert issue.line == 2
    assert "Nej till utskick" in issue.reason and "kanske" in issue.reason
    assert not Person.objects.filter(email="eva@example.org").exists()
    assert suppression("eva@example.org") is None
    assert suppression("fia@example.org").reason == "unsubscribed"


# --- Dry run, undo, held rows ----------------------------------------------------------------


def test_the_dry_run_counts_the_opt_outs_and_records_none(
    personas: Any, tmp_path: Path, client_for: Any
) -> None:
    known = PersonFactory(email="kand@example.org", first_name="Kim")
    ConsentFactory(person=known, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    path = write_csv(
        tmp_path,
        [
            an_row("Kim", "kand@example.org", "unsubscribed"),
            an_row("Ulla", "ulla@example.org", "unsubscribed"),
            an_row("Sara", "sara@example.org", "subscribed"),
        ],
        header=AN_HEADER,
        delimiter=",",
    )
    batch = upload(personas.staff, path, options=options())
    batch = services.batch_dry_run(actor=personas.staff, batch=batch)
    assert batch.dry_run["counts"]["opted_out"] == 2
    assert not Suppression.objects.exists()
    assert email_consent(known).status == Consent.Status.CONFIRMED
    client = client_for(personas.staff)
    page = client.get(reverse("imports:dry_run", args=[batch.pk])).content.decode()
    assert "2 opt-outs will be recorded" in page


def test_undo_keeps_the_opt_outs(personas: Any, tmp_path: Path) -> None:
    known = PersonFactory(email="vera@example.org", first_name="Vera")
    ConsentFactory(person=known, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    path = mailchimp_csv(
        tmp_path,
        "unsubscribed_members_export_3f2a.csv",
        MC_UNSUBSCRIBED,
        [
            mc_row("vera@example.org", "Vera", "2024-05-01 12:11:50", "Vårbrev", "c1", "", ""),
            mc_row("olle@example.org", "Olle", "2024-05-02 08:00:00", "Vårbrev", "c1", "", ""),
        ],
    )
    batch = import_file(personas.admin, path, options=options())
    result = services.batch_undo(actor=personas.admin, batch=batch)
    assert result.removed == 1  # Olle, whom the batch created
    assert not Person.objects.filter(email="olle@example.org").exists()
    # The opt-outs stay: the suppression (now naming no one), the withdrawn consent.
    assert suppression("olle@example.org").reason == "unsubscribed"
    assert suppression("olle@example.org").person is None
    assert email_consent(known).status == Consent.Status.WITHDRAWN
    assert suppressed_addresses(["olle@example.org", "vera@example.org"], "campaigns") == {
        "olle@example.org": "unsubscribed",
        "vera@example.org": "unsubscribed",
    }
    # Olle signs up again through another file with a stated consent: still no message.
    again = write_csv(tmp_path, [("Olle", "Berg", "olle@example.org", "", "", "")], name="b.csv")
    import_file(personas.admin, again, options=options(tag="Igen"))
    assert email_consent(Person.objects.get(email="olle@example.org")).status == "confirmed"
    assert skipped_reasons(personas.staff, tag="Igen") == {"olle@example.org": "unsubscribed"}


def test_a_held_rows_opt_out_suppresses_the_address_only(
    personas: Any, world: Any, tmp_path: Path
) -> None:
    """A district representative's file names someone outside their district: the row is
    held; the address is suppressed as unsubscribed (naming no one, never as a bounce, which
    would stop even transactional mail), and the person's consent is left to the
    secretariat's review."""
    outsider = world.home_b
    ConsentFactory(person=outsider, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    path = write_csv(
        tmp_path,
        [an_row(outsider.first_name, outsider.email, "bouncing")],
        header=AN_HEADER,
        delimiter=",",
    )
    batch = upload(
        personas.district_a,
        path,
        options={**options(consent=False), "unit": world.group_a1.pk},
    )
    batch = services.batch_dry_run(actor=personas.district_a, batch=batch)
    assert batch.dry_run["counts"]["held"] == 1
    assert not Suppression.objects.exists()
    batch = services.batch_start(
        actor=personas.district_a, batch=batch, confirm_register_guard=False, enqueue=False
    )
    batch = runner.run(batch)
    assert batch.held_count == 1 and batch.opted_out_count == 1
    row = suppression(outsider.email)
    assert row.reason == "unsubscribed" and row.person is None
    assert blocking_reason(outsider.email) == ""
    assert email_consent(outsider).status == Consent.Status.CONFIRMED


def test_the_reasons_are_the_suppression_reasons() -> None:
    assert {optouts.UNSUBSCRIBED, optouts.BOUNCED, optouts.COMPLAINED} == set(
        Suppression.Reason.values
    )


def test_the_cleaning_process_of_large_files_keeps_the_opt_outs(
    personas: Any, tmp_path: Path
) -> None:
    """Large files are read and cleaned in a forked process: the opt-outs come through."""
    path = write_csv(
        tmp_path,
        [
            an_row("Sara", "sara@example.org", "subscribed"),
            an_row("Ulla", "ulla@example.org", "unsubscribed", "unsubscribed", "0701234565"),
        ],
        header=AN_HEADER,
        delimiter=",",
    )
    batch = upload(personas.admin, path, options=options())
    cleaned = [row for chunk in chunks.chunks_from_child(batch) for row in chunk]
    assert [(row.line, row.opt_outs) for row in cleaned] == [
        (2, ()),
        (3, (("email", "unsubscribed", True), ("sms", "unsubscribed", True))),
    ]
    assert all(key in Person._meta._forward_fields_map for key in cleaned[1].values)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer thread: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_pipelined_run_records_the_opt_outs(
    personas: Any, tmp_path: Path, monkeypatch: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(chunks, "CHUNK", 2)
    monkeypatch.setattr(chunks, "PIPELINE_MIN_ROWS", 0)
    known = PersonFactory(email="kand@example.org", first_name="Kim")
    ConsentFactory(person=known, status=Consent.Status.CONFIRMED, confirmed_at=timezone.now())
    rows = [an_row(f"P{i}", f"p{i}@example.org", "subscribed") for i in range(5)]
    rows.insert(1, an_row("Kim", "kand@example.org", "unsubscribed"))
    rows.insert(4, an_row("Ulla", "ulla@example.org", "spam complaint"))
    batch = import_file(
        personas.admin,
        write_csv(tmp_path, rows, header=AN_HEADER, delimiter=","),
        options=options(),
    )
    assert batch.created_count == 6 and batch.opted_out_count == 2
    assert email_consent(known).status == Consent.Status.WITHDRAWN
    assert suppression("ulla@example.org").reason == "complained"
    assert email_consent(Person.objects.get(email="ulla@example.org")) is None
    assert Consent.objects.filter(status="confirmed").count() == 5

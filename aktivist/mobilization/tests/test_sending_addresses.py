"""Addresses that survive any configuration, in bulk mail sent end to end through a real SMTP
server on loopback: the organisation's own name (a comma, Swedish letters) as the From,
recipients with a non-ASCII domain (IDNA) or local part (SMTPUTF8, or failed alone)."""

from __future__ import annotations

from email.headerregistry import Address
from email.policy import default as default_policy

import pytest
from django.conf import settings as django_settings

from aktivist.mobilization import tasks
from aktivist.mobilization.models import Delivery, Mobilization, Suppression
from aktivist.mobilization.tests.test_sending import consenting, send

pytestmark = pytest.mark.django_db(transaction=True)

ORGANISATION_FROM = f"{django_settings.ORGANISATION_NAME} <noreply@example.org>"


def test_bulk_mail_from_the_organisations_own_name_keeps_name_and_address(sink, personas, settings):
    assert "," in settings.ORGANISATION_NAME and "ä" in settings.ORGANISATION_NAME
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM  # unquoted, as an admin types it
    consenting(email="asa@example.org")
    mobilization = send(personas.staff)

    assert sink.wait_for(1) == 1
    (raw,) = sink.files()
    message = sink.messages()[0]
    # One address, not two split at the comma; the name decodes back whole.
    header = default_policy.header_factory("From", str(message["From"]))
    (sender,) = header.addresses
    assert sender == Address(settings.ORGANISATION_NAME, "noreply", "example.org")
    assert raw.read_bytes().split(b"\n", 1)[1].isascii()  # no raw UTF-8 in the headers
    assert Delivery.objects.get(mobilization=mobilization).status == Delivery.Status.SENT


def test_a_batch_with_a_non_ascii_address_sends_the_good_ones_and_fails_that_one_alone(
    sink, personas, settings
):
    """The server does not offer SMTPUTF8: a non-ASCII local part cannot be written. That
    one row fails with its reason; the others go; the task does not raise; later sweeps
    and dispatches leave it failed."""
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM
    settings.MOBILIZATION_BATCH_SIZE = 10
    consenting(email="anna@example.org")
    consenting(email="åsa@example.org")
    consenting(email="bo@åäö.example.org")  # an IDNA domain: goes out as xn--…
    consenting(email="cecilia@example.org")
    mobilization = send(personas.staff)  # the immediate task backend: dispatch ran here

    assert sink.wait_for(3) == 3
    assert set(sink.recipients()) == {
        "anna@example.org",
        "bo@xn--4cab6c.example.org",
        "cecilia@example.org",
    }
    failed = Delivery.objects.get(mobilization=mobilization, person__email="åsa@example.org")
    assert failed.status == Delivery.Status.FAILED
    assert failed.reason == Delivery.Reason.UNSENDABLE
    assert "SMTPUTF8" in failed.error and "åsa" not in failed.error
    assert failed.attempts == 1
    # Not the address's fault at the server: no suppression.
    assert not Suppression.objects.filter(address="åsa@example.org").exists()
    sent = Delivery.objects.filter(mobilization=mobilization, status=Delivery.Status.SENT)
    assert sent.count() == 3

    # Later runs of the scheduled tasks neither raise nor try it again.
    tasks.sweep.call()
    tasks.dispatch.call()
    tasks.sweep.call()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Delivery.Status.FAILED, 1)
    assert len(sink.files()) == 3
    mobilization.refresh_from_db()
    assert mobilization.status == Mobilization.Status.DONE


def test_a_server_offering_smtputf8_gets_the_non_ascii_address(sink_smtputf8, personas, settings):
    settings.DEFAULT_FROM_EMAIL = ORGANISATION_FROM
    consenting(email="åsa@example.org")
    consenting(email="anna@example.org")
    mobilization = send(personas.staff)

    assert sink_smtputf8.wait_for(2) == 2
    assert set(sink_smtputf8.recipients()) == {"åsa@example.org", "anna@example.org"}
    assert not Delivery.objects.filter(mobilization=mobilization).exclude(
        status=Delivery.Status.SENT
    )
    # The header carries the address as written (UTF-8, announced by SMTPUTF8).
    raw = b"".join(path.read_bytes() for path in sink_smtputf8.files())
    assert "\r\nTo: åsa@example.org\r\n".encode() in raw.replace(b"\r\n", b"\n").replace(
        b"\n", b"\r\n"
    )

"""utm_source / utm_medium of the action page's address are kept beside the signature's
source, cleaned (printable, at most 100 characters, no leading formula characters), and
"by source" on the action's staff page tells Instagram from the newsletter."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aktivist.campaigns.models import Participation
from aktivist.campaigns.tests.factories import ActionFactory, ParticipationFactory
from aktivist.public.tests.helpers import form_data

pytestmark = pytest.mark.django_db

HIDDEN = re.compile(r'<input type="hidden" name="(utm_source|utm_medium)" value="([^"]*)"')


def _sign_from_page(client, action, query: str, **overrides):
    """Open the action page at an address with ``query``, then send its form as a browser
    does: to the form's own address, with the page's hidden fields."""
    page = client.get(reverse("public:action", args=[action.slug]) + "?" + query)
    assert page.status_code == 200
    hidden = dict(HIDDEN.findall(page.content.decode()))
    url = reverse("public:action", args=[action.slug]) + "?lang=en"
    data = {**form_data(action, **overrides), **hidden}
    return client.post(url, data, REMOTE_ADDR="198.51.100.7"), hidden


def test_signing_from_an_instagram_link_keeps_source_and_medium(client, world):
    action = ActionFactory()
    response, hidden = _sign_from_page(client, action, "utm_source=instagram&utm_medium=social")
    assert hidden == {"utm_source": "instagram", "utm_medium": "social"}
    assert response.status_code == 303
    participation = Participation.objects.get(action=action)
    assert (participation.utm_source, participation.utm_medium) == ("instagram", "social")
    assert participation.source == Participation.Source.WEB


def test_a_page_without_utm_stores_blank(client, world):
    action = ActionFactory()
    response, _hidden = _sign_from_page(client, action, "lang=en")
    assert response.status_code == 303
    participation = Participation.objects.get(action=action)
    assert (participation.utm_source, participation.utm_medium) == ("", "")


@pytest.mark.parametrize(
    ("raw_source", "raw_medium", "source", "medium"),
    [
        ("x" * 5000, "y" * 101, "x" * 100, "y" * 100),
        ("insta\x00gram\x1b[31m", "news\r\nletter\u202e", "insta gram [31m", "news letter"),
        (
            '=HYPERLINK("https://evil.example.com")',
            "+-@cmd",
            'HYPERLINK("https://evil.example.com")',
            "cmd",
        ),
        ("  \t ", "\x7f", "", ""),
    ],
)
def test_hostile_values_are_cleaned_never_a_500(
    client, world, raw_source, raw_medium, source, medium
):
    action = ActionFactory()
    # Straight to the form's address, bypassing the page (a robot or a crafted link).
    url = reverse("public:action", args=[action.slug])
    data = {**form_data(action), "utm_source": raw_source, "utm_medium": raw_medium}
    response = client.post(url, data, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 303
    participation = Participation.objects.get(action=action)
    assert (participation.utm_source, participation.utm_medium) == (source, medium)
    participation.full_clean()
    # And in the page's address: the page shows, and the hidden fields carry the clean form.
    page = client.get(url, {"utm_source": raw_source, "utm_medium": raw_medium})
    assert page.status_code == 200
    assert dict(HIDDEN.findall(page.content.decode())).get("utm_medium", "") == medium


def test_the_model_refuses_control_characters(world):
    participation = ParticipationFactory(utm_source="newsletter")
    participation.utm_source = "news\nletter"
    with pytest.raises(ValidationError) as refused:
        participation.full_clean()
    assert "utm_source" in refused.value.message_dict


def test_by_source_tells_instagram_from_the_newsletter(world, personas, client_for):
    action = ActionFactory()
    ParticipationFactory.create_batch(3, action=action, utm_source="instagram", utm_medium="social")
    ParticipationFactory.create_batch(2, action=action, utm_source="newsletter", utm_medium="email")
    ParticipationFactory(action=action)
    client = client_for(personas.staff)
    html = client.get(reverse("campaigns:action_stats", args=[action.pk])).content.decode()
    table = html.split('id="sources-heading"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(\d+)</td></tr>', table)
    counts = {re.sub(r"<[^>]+>", "", label): int(n) for label, n in rows}
    by_tag = {label.split("(")[-1].rstrip(")"): n for label, n in counts.items() if "(" in label}
    assert by_tag == {"instagram / social": 3, "newsletter / email": 2}
    assert sum(counts.values()) == 6

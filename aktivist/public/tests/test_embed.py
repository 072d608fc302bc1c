"""The embeddable page: framed only by allow-listed origins, the same form and thank-you
flow, recorded as an embed with the link's tracking reference."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from aktivist.campaigns.models import Channel, Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.public.tests.helpers import post_signature

pytestmark = pytest.mark.django_db


def _channel(name, origins, *, active=True):
    return Channel.objects.create(
        name=name,
        key_prefix=name[:16],
        key_hash="x" * 64,
        allowed_origins=origins,
        is_active=active,
    )


def _ancestors(response):
    policy = response["Content-Security-Policy"]
    return next(p for p in policy.split("; ") if p.startswith("frame-ancestors")).split()[1:]


def test_the_embed_may_be_framed_by_the_allow_list_only(client, settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://www.example.org"]
    _channel("partner", "https://partner.example.net\n\nhttps://*.example.com/\n")
    _channel("old", "https://old.example.net", active=False)
    _channel("broken", "https://evil.example.net; script-src *\njavascript:alert(1)")
    cache.clear()
    action = ActionFactory()
    response = client.get(reverse("public:action_embed", args=[action.slug]))
    assert response.status_code == 200
    assert _ancestors(response) == [
        "'self'",
        "https://www.example.org",
        "https://partner.example.net",
        "https://*.example.com",
    ]
    assert "X-Frame-Options" not in response
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response.cookies == {}


def test_every_other_public_page_refuses_frames(client):
    action = ActionFactory()
    for url in (
        reverse("public:action", args=[action.slug]),
        reverse("public:action_thanks", args=[action.slug]),
        reverse("public:privacy"),
        reverse("public:confirm_email", args=["token"]),
    ):
        response = client.get(url)
        assert _ancestors(response) == ["'none'"], url
        assert response["X-Frame-Options"] == "DENY"


def test_the_embed_has_no_site_chrome_and_opens_leaving_links_in_a_new_tab(client):
    action = ActionFactory()
    html = client.get(reverse("public:action_embed", args=[action.slug]) + "?lang=en").content
    html = html.decode()
    assert 'class="public public--embed"' in html
    assert "public-brand" not in html
    assert f'action="{reverse("public:action_embed", args=[action.slug])}?lang=en"' in html
    assert 'href="/privacy/?lang=en" target="_blank" rel="noopener"' in html


def test_an_embed_signature_is_recorded_as_embed_with_its_tracking_reference(client):
    action = ActionFactory()
    response = post_signature(client, action, embed=True, ref="mob-42.abc:def")
    assert response.status_code == 303
    assert response["Location"].startswith(
        reverse("public:action_embed_thanks", args=[action.slug])
    )
    participation = Participation.objects.get(action=action)
    assert participation.source == Participation.Source.EMBED
    assert participation.tracking_token == "mob-42.abc:def"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "X-Frame-Options" not in thanks
    assert "'self'" in _ancestors(thanks)
    assert 'class="public public--embed"' in thanks.content.decode()


def test_a_web_signature_takes_the_reference_from_the_link(client):
    action = ActionFactory()
    post_signature(client, action, query="ref=newsletter-7")
    participation = Participation.objects.get(action=action)
    assert participation.source == Participation.Source.WEB
    assert participation.tracking_token == "newsletter-7"


def test_an_overlong_or_strange_reference_is_dropped(client):
    action = ActionFactory()
    post_signature(client, action, ref="x" * 201)
    post_signature(client, action, email="b@example.org", ref="bad\x00ref<script>")
    assert set(Participation.objects.values_list("tracking_token", flat=True)) == {""}


def test_embed_errors_and_limits_are_framable_too(client, settings):
    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 0
    action = ActionFactory()
    response = post_signature(client, action, embed=True)
    assert response.status_code == 429
    assert "'self'" in _ancestors(response)
    missing = client.get(reverse("public:action_embed", args=["finns-inte"]))
    assert missing.status_code == 404
    assert "'self'" in _ancestors(missing)

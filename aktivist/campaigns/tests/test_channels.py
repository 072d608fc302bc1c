"""Channels: API keys shown once, kept as a hash, rotated and deactivated; per-key limits;
the admin pages where secretariat admins manage them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from aktivist.campaigns import channels
from aktivist.campaigns.channels import (
    channel_create,
    channel_deactivate,
    channel_for_key,
    channel_rotate_key,
    channel_throttle,
    hash_key,
    idempotency_keys_purge,
)
from aktivist.campaigns.models import Channel, IdempotencyKey, Priority
from aktivist.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_new_channel_gets_a_key_that_is_kept_only_as_a_hash():
    channel, key = channel_create(actor=None, name="Webbplatsen")
    assert key.startswith(f"ak_{channel.key_prefix}_")
    assert len(key) > 40
    stored = Channel.objects.get(pk=channel.pk)
    assert stored.key_hash == hash_key(key)
    assert key not in str(Channel.objects.filter(pk=channel.pk).values().get())
    assert AuditEvent.objects.filter(verb="channel.create", object_id=str(channel.pk)).exists()
    assert key not in str(AuditEvent.objects.values_list("details", flat=True).get())


def test_the_key_finds_its_channel_and_a_wrong_or_malformed_key_finds_nothing():
    channel, key = channel_create(actor=None, name="Partner")
    assert channel_for_key(key) == channel
    prefix_only = f"ak_{channel.key_prefix}_wrong-secret"
    for wrong in ["", "Bearer", key + "x", key[:-1], prefix_only, "ak__x", "x" * 500, "ak_\x00_x"]:
        assert channel_for_key(wrong) is None, wrong


def test_the_hot_path_costs_no_query_once_the_key_is_known(django_assert_num_queries):
    _channel, key = channel_create(actor=None, name="Webbplatsen")
    channel_for_key(key)
    with django_assert_num_queries(0):
        assert channel_for_key(key) is not None


def test_a_rotated_key_replaces_the_old_one(personas):
    channel, old = channel_create(actor=personas.admin, name="Webbplatsen")
    assert channel_for_key(old) is not None  # cached in this process
    new = channel_rotate_key(actor=personas.admin, channel=channel)
    assert channel_for_key(old) is None
    assert channel_for_key(new) == channel
    event = AuditEvent.objects.get(verb="channel.rotate_key")
    assert event.actor == personas.admin


def test_other_processes_forget_a_rotated_key_within_the_cache_time():
    channel, old = channel_create(actor=None, name="Webbplatsen")
    assert channel_for_key(old) is not None
    # Another process rotates: this process's cache is not told.
    Channel.objects.filter(pk=channel.pk).update(key_hash=hash_key("ak_other_key"))
    assert channel_for_key(old) is not None
    later = channels.time.monotonic() + channels.KEY_CACHE_SECONDS + 1
    with mock.patch.object(channels.time, "monotonic", return_value=later):
        assert channel_for_key(old) is None


def test_a_deactivated_channel_cannot_sign():
    channel, key = channel_create(actor=None, name="Partner")
    channel_deactivate(actor=None, channel=channel)
    assert channel_for_key(key) is None
    assert AuditEvent.objects.filter(verb="channel.update").exists()


def test_the_limit_counts_per_key_per_minute():
    slow, _ = channel_create(actor=None, name="Slow", rate_limit_per_minute=3)
    other, _ = channel_create(actor=None, name="Other", rate_limit_per_minute=3)
    assert [channel_throttle(slow) for _ in range(3)] == [0, 0, 0]
    retry_after = channel_throttle(slow)
    assert 1 <= retry_after <= 60
    assert channel_throttle(other) == 0


def test_old_idempotency_keys_are_purged():
    channel, _ = channel_create(actor=None, name="Partner")
    old = IdempotencyKey.objects.create(channel=channel, key="old")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=old.created_at - channels.timedelta(days=31)
    )
    IdempotencyKey.objects.create(channel=channel, key="new")
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


# --- Admin --------------------------------------------------------------------------------


def _channel_form(**overrides):
    data = {
        "name": "Partnerorganisationen",
        "rate_limit_per_minute": "600",
        "allowed_origins": "https://partner.example.org",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_channel_and_sees_the_key_once(personas, client_for):
    client = client_for(personas.admin)
    assert client.get(reverse("admin:campaigns_channel_add")).status_code == 200
    response = client.post(reverse("admin:campaigns_channel_add"), _channel_form())
    assert response.status_code == 200
    channel = Channel.objects.get(name="Partnerorganisationen")
    assert channel.rate_limit_per_minute == 600
    assert channel.origins() == ["https://partner.example.org"]
    page = response.content.decode()
    key = page.split("<code>")[1].split("</code>")[0]
    assert channel_for_key(key) == channel
    assert "no-store" in response["Cache-Control"]
    listing = client.get(reverse("admin:campaigns_channel_changelist"))
    assert listing.status_code == 200 and "rotate_keys" in listing.content.decode()
    change = client.get(reverse("admin:campaigns_channel_change", args=[channel.pk]))
    assert key not in change.content.decode()
    assert channel.key_prefix in change.content.decode()


def test_admin_edits_a_channel_through_the_audited_service(personas, client_for):
    channel, key = channel_create(actor=None, name="Partner")
    client = client_for(personas.admin)
    response = client.post(
        reverse("admin:campaigns_channel_change", args=[channel.pk]),
        _channel_form(name="Partner", rate_limit_per_minute="5", is_active=""),
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.rate_limit_per_minute, channel.is_active) == (5, False)
    assert channel_for_key(key) is None
    event = AuditEvent.objects.get(verb="channel.update")
    assert set(event.details["fields"]) == {"rate_limit_per_minute", "allowed_origins", "is_active"}


def test_admin_rotates_a_key_and_sees_the_new_one(personas, client_for):
    channel, old = channel_create(actor=None, name="Partner")
    client = client_for(personas.admin)
    response = client.post(
        reverse("admin:campaigns_channel_changelist"),
        {"action": "rotate_keys", "_selected_action": [channel.pk]},
    )
    assert response.status_code == 200
    new = response.content.decode().split("<code>")[1].split("</code>")[0]
    assert channel_for_key(old) is None
    assert channel_for_key(new) == channel


def test_admin_configures_priorities(personas, client_for):
    client = client_for(personas.admin)
    response = client.post(
        reverse("admin:campaigns_priority_add"),
        {"name": "Flykt och migration", "year": "2026", "description": ""},
    )
    assert response.status_code == 302
    assert Priority.objects.filter(name="Flykt och migration", year=2026).exists()


@pytest.mark.parametrize("persona", ["staff", "district_a", "board"])
def test_only_admins_reach_channels_in_the_admin(personas, client_for, persona):
    channel, _ = channel_create(actor=None, name="Partner")
    client = client_for(getattr(personas, persona))
    for url in [
        reverse("admin:campaigns_channel_changelist"),
        reverse("admin:campaigns_channel_change", args=[channel.pk]),
        reverse("admin:campaigns_channel_add"),
    ]:
        assert client.get(url).status_code in (302, 403, 404), url
    response = client.post(
        reverse("admin:campaigns_channel_changelist"),
        {"action": "rotate_keys", "_selected_action": [channel.pk]},
    )
    assert response.status_code in (302, 403, 404)
    assert not AuditEvent.objects.filter(verb="channel.rotate_key").exists()


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs Redis on 127.0.0.1:6379")
def test_on_redis_the_count_is_shared_and_expires_with_its_window(settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"test-channels-{channels.secrets.token_hex(4)}",
        }
    }
    slow, _ = channel_create(actor=None, name="Slow", rate_limit_per_minute=2)
    assert [channel_throttle(slow) for _ in range(3)][-1] > 0
    backend = caches["default"]
    window = int(channels.time.time() // channels.RATE_WINDOW_SECONDS)
    key = backend.make_and_validate_key(f"campaigns:channel-rate:{slow.pk}:{window}")
    client = channels._redis_client(backend)
    assert int(client.get(key)) == 3
    assert 0 < client.ttl(key) <= channels.RATE_WINDOW_SECONDS + 30
    client.delete(key)


def test_an_unreachable_cache_never_refuses_a_signature(settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    channel, _ = channel_create(actor=None, name="Partner", rate_limit_per_minute=1)
    assert channel_throttle(channel) == 0
    assert "cache unavailable" in caplog.text


def test_limits_can_be_switched_off_like_the_public_forms(settings):
    settings.RATELIMIT_ENABLE = False
    channel, _ = channel_create(actor=None, name="Partner", rate_limit_per_minute=1)
    assert [channel_throttle(channel) for _ in range(3)] == [0, 0, 0]

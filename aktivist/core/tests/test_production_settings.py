"""Production start-up (aktivist/settings.py with AKTIVIST_PRODUCTION): `manage.py check
--deploy` is clean, and the settings refuse to load — ImproperlyConfigured, a clear message —
without a long random SECRET_KEY, with a missing or http:// SITE_URL, or with rate limits
counted in each process's memory when more than one web process is declared.

Each case imports the settings in a fresh interpreter with its own environment."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
REFUSED = "django.core.exceptions.ImproperlyConfigured: Refusing to start in production"


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AKTIVIST_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "aktivist.settings",
        "AKTIVIST_PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "PRIVACY_HASH_KEY": secrets.token_urlsafe(32),
        "SITE_URL": "https://aktivist.example.org",
        "ALLOWED_HOSTS": "aktivist.example.org",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own interpreter and module
        [sys.executable, "-c", "import aktivist.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_the_production_settings(tmp_path: Path) -> None:
    result = subprocess.run(  # our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_each_silenced_check_carries_its_reason() -> None:
    source = (ROOT / "aktivist" / "settings.py").read_text()
    block = re.search(r"SILENCED_SYSTEM_CHECKS = \[\n(.*?)\n\]", source, re.S)
    assert block, "SILENCED_SYSTEM_CHECKS is one literal list"
    lines = block.group(1).splitlines()
    silenced = [line.strip().strip('",') for line in lines if not line.strip().startswith("#")]
    assert sorted(silenced) == sorted(settings.SILENCED_SYSTEM_CHECKS)
    for n, line in enumerate(lines):
        if not line.strip().startswith("#"):
            assert n > 0 and lines[n - 1].strip().startswith("#"), f"no reason for {line}"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": secrets.token_urlsafe(36)}, "SECRET_KEY"),  # 48 characters
        ({"SECRET_KEY": "dev-only-insecure-key-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(48)}, "SECRET_KEY"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY"),  # long, but two characters
        ({"SITE_URL": None}, "SITE_URL"),
        ({"SITE_URL": "http://aktivist.example.org"}, "SITE_URL"),
        ({"SITE_URL": "https://"}, "SITE_URL"),
        ({"WEB_CONCURRENCY": "4"}, "WEB_CONCURRENCY=4"),
        ({"WEB_CONCURRENCY": "2", "CACHE_URL": ""}, "CACHE_URL"),
    ],
    ids=[
        "no-secret-key",
        "short-secret-key",
        "development-secret-key",
        "django-insecure-key",
        "two-character-key",
        "no-site-url",
        "http-site-url",
        "site-url-without-host",
        "four-processes-local-memory",
        "two-processes-local-memory",
    ],
)
def test_an_unsafe_production_configuration_refuses_to_start(
    tmp_path: Path, overrides: dict[str, str | None], named: str
) -> None:
    result = import_settings(production_env(tmp_path, **overrides))
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(REFUSED), result.stderr
    assert named in last_line
    # The message never repeats a secret it refused.
    if overrides.get("SECRET_KEY"):
        assert str(overrides["SECRET_KEY"]) not in result.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        {"WEB_CONCURRENCY": "1"},
        {"WEB_CONCURRENCY": "4", "CACHE_URL": "db://"},
        {"WEB_CONCURRENCY": "4", "CACHE_URL": "redis://127.0.0.1:6379/0"},
    ],
    ids=["one-process", "database-cache", "redis-cache"],
)
def test_one_process_or_a_shared_cache_starts(
    tmp_path: Path, overrides: dict[str, str | None]
) -> None:
    result = import_settings(production_env(tmp_path, **overrides))
    assert result.returncode == 0, result.stderr


def test_outside_production_the_development_defaults_start(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        AKTIVIST_PRODUCTION=None,
        SECRET_KEY=None,
        PRIVACY_HASH_KEY=None,
        SITE_URL=None,
        WEB_CONCURRENCY="4",
    )
    assert import_settings(env).returncode == 0


def test_the_database_cache_is_shared_by_every_process(tmp_path: Path) -> None:
    env = production_env(tmp_path, CACHE_URL="db://rate_limits")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    )
    result = subprocess.run(  # our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "rate_limits"]

"""The fuzz covers every route a stranger reaches: a new public page, token link or webhook
that no fuzz module requests fails here, with its name. Staff pages (behind the login) are
fuzzed by test_fuzz_staff.py and test_fuzz_uploads.py for their main forms."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from aktivist.core.tests import fuzz, test_fuzz_public, test_fuzz_tokens

pytestmark = pytest.mark.django_db

COVERED = test_fuzz_public.COVERS | test_fuzz_tokens.COVERS


def test_every_route_a_stranger_reaches_is_fuzzed() -> None:
    c = fuzz.client()
    public = {r.name for r in fuzz.routes() if fuzz.reaches_a_stranger(c, r)}
    missing = sorted(public - COVERED)
    assert not missing, (
        f"public routes no fuzz requests (add them to a test_fuzz_* module): {missing}"
    )
    # The walk itself finds the public routes (else the check above proves nothing).
    assert {"public:action", "accounts:login", "anymail:postmark_tracking_webhook"} <= public


def test_the_fuzz_covers_no_route_that_is_gone() -> None:
    names = {r.name for r in fuzz.routes()}
    assert not sorted(COVERED - names)


@pytest.mark.parametrize("name", ["people:list", "imports:upload", "admin:index"])
def test_a_page_behind_the_login_is_not_taken_for_a_public_one(name: str) -> None:
    try:
        path = reverse(name)
    except NoReverseMatch:  # pragma: no cover
        pytest.fail(name)
    assert not fuzz.reaches_a_stranger(fuzz.client(), fuzz.Route(name, path))

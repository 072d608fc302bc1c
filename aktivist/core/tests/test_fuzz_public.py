"""The reliability suite's fuzz of every public page (no login): the action page, its embed,
thanks and count, the double opt-in link, the privacy notice, the event page with its
thanks, calendar file and cancel link, the calendar of events, the channels' JSON endpoint
with its headers, and the SMS and email webhooks. Any query string, any method, any form
body: never a 5xx, never a server path or traceback, and a refused form stores nothing.

The signing form's own fields are fuzzed in depth by ``public/tests/test_fuzz_form.py`` and
the JSON body by ``public/tests/test_api_fuzz.py``; this module covers what they do not."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from anymail import urls as anymail_urls
from django.test import TestCase
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from aktivist.campaigns.channels import channel_create
from aktivist.campaigns.models import Action, Participation
from aktivist.campaigns.tests.factories import ActionFactory
from aktivist.core.tests import fuzz
from aktivist.mobilization.views_sms import twilio_signature
from aktivist.people.models import Consent, Person
from aktivist.programmes.models import Event, Registration
from aktivist.programmes.notifications import cancel_token
from aktivist.programmes.tests.factories import EventFactory, RegistrationFactory
from aktivist.public.forms import form_token, thanks_token
from aktivist.public.forms_events import event_form_key, event_thanks_token

pytestmark = pytest.mark.django_db

PAGE_PARAMS = ("lang", "ref", "t", "district", "kind", "young", "page", "code")
METHODS = ["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


@dataclass
class Site:
    action: Action
    letter: Action
    closed: Action
    event: Event
    draft: Event
    guarded: Event
    registration: Registration
    thanks: str  # a thank-you token with an SMS ticket (the code form is shown)
    event_thanks: str
    api_key: str


@pytest.fixture
def site(world: Any, settings: Any) -> Site:
    # A 429 is a clean answer, but the fuzz should get past the limits to the code behind.
    settings.PUBLIC_SIGNATURES_PER_IP_PER_MINUTE = 1_000_000
    settings.PUBLIC_SIGNATURES_PER_ADDRESS_PER_HOUR = 1_000_000
    settings.USE_X_FORWARDED_FOR = True
    from django.utils import timezone

    action = ActionFactory(slug="fuzz-petition")
    letter = ActionFactory(
        slug="fuzz-letter", kind=Action.Kind.LETTER, target_name="Ministern", letter_subject="Hej"
    )
    closed = ActionFactory(
        slug="fuzz-closed",
        opens_at=timezone.now() - timezone.timedelta(days=9),
        closes_at=timezone.now() - timezone.timedelta(days=1),
    )
    event = EventFactory(slug="fuzz-event", unit=world.group_a1, capacity=3)
    draft = EventFactory(slug="fuzz-draft", unit=world.district_b, is_published=False)
    guarded = EventFactory(
        slug="fuzz-young", unit=world.group_a1, guardian_required_under_18=True, capacity=None
    )
    registration = RegistrationFactory(event=event)
    _channel, key = channel_create(actor=None, name="Fuzz")
    return Site(
        action=action,
        letter=letter,
        closed=closed,
        event=event,
        draft=draft,
        guarded=guarded,
        registration=registration,
        thanks=thanks_token(action_id=action.pk, unit_id=world.group_a1.pk, ticket="t" * 32),
        event_thanks=event_thanks_token(event_id=event.pk, status="registered", ticket="k" * 32),
        api_key=key,
    )


# (route name, what its arguments are): each public page, with real and unknown objects.
PAGES: list[tuple[str, tuple[str, ...]]] = [
    ("public:action", ("action",)),
    ("public:action", ("letter",)),
    ("public:action", ("closed",)),
    ("public:action", ("no-such-action",)),
    ("public:action_embed", ("action",)),
    ("public:action_thanks", ("action",)),
    ("public:action_embed_thanks", ("action",)),
    ("public:action_count", ("action",)),
    ("public:confirm_email", ("not-a-token",)),
    ("public:privacy", ()),
    ("public:event", ("event",)),
    ("public:event", ("draft",)),
    ("public:event", ("guarded",)),
    ("public:event_thanks", ("event",)),
    ("public:event_thanks", ("draft",)),
    ("public:event_ics", ("event",)),
    ("public:event_ics", ("draft",)),
    ("public:event_cancel", ("event", "cancel")),
    ("public:calendar", ()),
    ("public:preferences_request", ()),
]


def _page_path(site: Site, page: int) -> str:
    name, what = PAGES[page]
    args = []
    for w in what:
        if w == "cancel":
            args.append(cancel_token(site.registration.pk))
        elif hasattr(site, w):
            args.append(getattr(site, w).slug)
        else:
            args.append(w)
    return reverse(name, args=args)


@fuzz.budget(250)
@given(
    page=st.integers(0, len(PAGES) - 1),
    method=st.sampled_from(METHODS),
    query=fuzz.query_string(PAGE_PARAMS),
    headers=fuzz.headers(),
    body=st.one_of(st.none(), fuzz.form_body()),
)
def test_every_public_page_answers_any_query_method_and_header_without_a_server_error(
    site: Site, page: int, method: str, query: str, headers: dict[str, str], body: Any
) -> None:
    path = _page_path(site, page)
    people, registrations = Person.objects.count(), Registration.objects.count()
    response = fuzz.request(fuzz.client(), method, path, query=query, body=body, headers=headers)
    fuzz.assert_clean(response)
    if response is not None and response.status_code != 303:
        # Only a sign-up that went through (303 to its thank-you page) may store someone.
        assert Person.objects.count() == people
        assert Registration.objects.count() <= registrations + 0


def _page_form(path: str, having: str = "form_token") -> fuzz.PageForm:
    response = fuzz.client().get(path, {"lang": "en"})
    assert response.status_code == 200
    return fuzz.form_on(response.content, having=having)


def _valid_signer(n: int) -> dict[str, fuzz.Value]:
    return {
        "first_name": "Amir",
        "last_name": "Haddad",
        "email": f"fuzz-{n}@example.org",
        "postcode": "211 45",
        "birth_year": "1990",
        "website": "",
    }


def _counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "participations": Participation.objects.count(),
        "registrations": Registration.objects.count(),
        "consents": Consent.objects.count(),
    }


@fuzz.budget(100)
@given(data=st.data(), letter=st.booleans(), n=st.integers(0, 10**6))
def test_the_embedded_form_never_fails_and_a_refusal_stores_nothing(
    site: Site, data: st.DataObject, letter: bool, n: int
) -> None:
    action = site.letter if letter else site.action
    path = reverse("public:action_embed", args=[action.slug])
    form = _page_form(path)
    base = {**_valid_signer(n), "form_token": form_token(action.pk)}
    body = data.draw(fuzz.form_body(form, base=base), label="body")
    before = _counts()
    response = fuzz.request(fuzz.client(), "POST", path, query="lang=en", body=body)
    fuzz.assert_clean(response, statuses={200, 303, 429})
    fuzz.assert_nothing_stored(response, before, _counts)


@fuzz.budget(100)
@given(data=st.data(), guarded=st.booleans(), n=st.integers(0, 10**6))
def test_the_event_form_never_fails_and_a_refusal_stores_nothing(
    site: Site, data: st.DataObject, guarded: bool, n: int
) -> None:
    event = site.guarded if guarded else site.event
    path = reverse("public:event", args=[event.slug])
    form = _page_form(path)
    base = {**_valid_signer(n), "form_token": form_token(event_form_key(event.pk))}
    if guarded:
        base.update(birth_year="2012", guardian_name="Förälder", guardian_contact="070-1234567")
    body = data.draw(fuzz.form_body(form, base=base), label="body")
    before = _counts()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = fuzz.request(fuzz.client(), "POST", path, query="lang=en", body=body)
    fuzz.assert_clean(response, statuses={200, 303, 429})
    fuzz.assert_nothing_stored(response, before, _counts)


CODES = st.one_of(
    st.sampled_from(["123456", "000000", " 123 456 ", "١٢٣٤٥٦", "1" * 13, ""]),
    st.text(max_size=14),
)


@fuzz.budget(100)
@given(
    where=st.sampled_from(["action", "embed", "event"]),
    token=st.one_of(st.just("valid"), st.sampled_from(fuzz.NASTY), st.text(max_size=80)),
    code=st.one_of(CODES.map(lambda c: [("code", c)]), fuzz.form_body()),
)
def test_the_sms_code_forms_take_any_code_and_any_thank_you_token(
    site: Site, where: str, token: str, code: fuzz.Pairs
) -> None:
    if where == "event":
        path = reverse("public:event_thanks", args=[site.event.slug])
        t = site.event_thanks if token == "valid" else token
    else:
        name = "action_thanks" if where == "action" else "action_embed_thanks"
        path = reverse(f"public:{name}", args=[site.action.slug])
        t = site.thanks if token == "valid" else token
    query = fuzz.urlencode([("t", t), ("lang", "en")])
    before = Consent.objects.filter(status=Consent.Status.CONFIRMED).count()
    response = fuzz.request(fuzz.client(), "POST", path, query=query, body=code)
    fuzz.assert_clean(response, statuses={200, 404, 429})
    assert Consent.objects.filter(status=Consent.Status.CONFIRMED).count() == before


# --- The channels' JSON endpoint: its headers (the body: public/tests/test_api_fuzz.py) ----

AUTH = st.one_of(
    st.sampled_from(["valid", "", "Bearer", "Bearer ", "bearer valid", "Basic dXNlcjpwdw=="]),
    st.text(max_size=60).map(lambda t: f"Bearer {t}"),
    st.text(max_size=60),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/json; charset=nonsense",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "",
    ]
)
API_BODIES = st.one_of(
    st.just(b'{"first_name": "Amir", "email": "api@example.org", "birth_year": 1990}'),
    st.binary(max_size=200),
    st.sampled_from([b"", b"{}", b"[]", b"null", b"\xff\xfe{", b"{" * 100]),
)


@fuzz.budget(120)
@given(
    auth=AUTH,
    idempotency=st.one_of(st.none(), st.sampled_from(fuzz.NASTY), st.text(max_size=120)),
    content_type=CONTENT_TYPES,
    method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS"]),
    slug=st.sampled_from(["fuzz-petition", "fuzz-closed", "none", "fuzz-letter"]),
    query=fuzz.query_string(),
    body=API_BODIES,
)
def test_the_json_endpoint_answers_any_header_and_method_in_json_without_a_server_error(
    site: Site,
    auth: str,
    idempotency: str | None,
    content_type: str,
    method: str,
    slug: str,
    query: str,
    body: bytes,
) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {site.api_key}" if auth == "valid" else auth}
    if idempotency is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency
    path = reverse("public:api_sign", args=[slug])
    before = _counts()
    response = fuzz.request(
        fuzz.client(),
        method,
        path,
        query=query,
        body=body,
        content_type=content_type,
        headers=headers,
    )
    fuzz.assert_clean(response)
    if response is None:
        return
    assert response["Content-Type"].startswith("application/json") or response.status_code in (
        301,
        405,
    )
    if response.status_code != 201:
        assert _counts() == before


# --- The SMS and email webhooks: wrong secrets, garbage bodies, forged signatures ----------

SMS_WEBHOOKS = ["elks_delivery", "elks_inbound", "twilio_status", "twilio_inbound"]
SMS_FIELDS = ["status", "id", "from", "to", "message", "MessageSid", "MessageStatus", "ErrorCode"]
SMS_FIELDS += ["From", "Body", "To", "d", "direction", "created"]


@fuzz.budget(150)
@given(
    which=st.sampled_from(SMS_WEBHOOKS),
    secret=st.one_of(st.just("valid"), st.sampled_from(fuzz.NASTY[:12]), st.text(max_size=40)),
    signed=st.booleans(),
    body=fuzz.form_body(
        base={"status": "delivered", "from": "+46701234567", "message": "STOP"},
        extra={name: fuzz.text for name in SMS_FIELDS},
    ),
    query=st.one_of(st.just(""), fuzz.query_string(["d"])),
    raw=st.one_of(st.none(), st.binary(max_size=100)),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "multipart/form-data"]
    ),
)
@example(
    which="elks_inbound",
    secret="valid",
    signed=False,
    body=[("from", "+46701234567"), ("message", "STOPP")],
    query="",
    raw=None,
    content_type="application/x-www-form-urlencoded",
)
def test_the_sms_webhooks_answer_garbage_and_forgeries_without_a_server_error(
    site: Site,
    settings: Any,
    which: str,
    secret: str,
    signed: bool,
    body: fuzz.Pairs,
    query: str,
    raw: bytes | None,
    content_type: str,
) -> None:
    settings.SMS_TWILIO_AUTH_TOKEN = "twilio-token"
    kwargs: dict[str, Any] = {}
    if which.startswith("elks"):
        kwargs["secret"] = settings.SMS_WEBHOOK_SECRET if secret == "valid" else secret
    if not kwargs.get("secret", "x") or "/" in kwargs.get("secret", ""):
        return  # not a URL this route can match
    path = reverse(f"sms_webhooks:{which}", kwargs=kwargs)
    headers: dict[str, str] = {}
    if which.startswith("twilio"):
        url = settings.SITE_URL.rstrip("/") + path + (f"?{query}" if query else "")
        params = [
            (
                k if isinstance(k, str) else k.decode("utf-8", "replace"),
                v if isinstance(v, str) else v.decode("utf-8", "replace"),
            )
            for k, v in body
        ]
        headers["HTTP_X_TWILIO_SIGNATURE"] = (
            twilio_signature(url, params, "twilio-token") if signed else secret
        )
    response = fuzz.request(
        fuzz.client(),
        "POST",
        path,
        query=query,
        body=raw if raw is not None else body,
        content_type=content_type if raw is not None else "application/x-www-form-urlencoded",
        headers=headers,
    )
    fuzz.assert_clean(response)


def _email_webhook_paths() -> list[str]:
    paths = []
    for pattern in anymail_urls.urlpatterns:
        route = str(pattern.pattern).strip("^$").replace("(_mime)?", "")
        paths.append("/webhooks/email/" + route)
    return paths


EMAIL_BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"{}",
            b"[]",
            b"[{}]",
            b'{"RecordType": "Bounce", "Type": "HardBounce", "Email": 1}',
            b'[{"event": "bounce", "email": null}]',
            b'{"event-data": {"event": "failed"}}',
            b"\xff\xfe",
        ]
    ),
)


@fuzz.budget(100)
@given(
    path=st.sampled_from(_email_webhook_paths()),
    authorised=st.booleans(),
    body=EMAIL_BODIES,
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded"]),
    method=st.sampled_from(["POST", "POST", "GET", "HEAD"]),
)
@example(
    path="/webhooks/email/mailgun/tracking/",
    authorised=True,
    body=b"{}",
    content_type="application/json",
    method="POST",
)
@example(  # anymail's parser on a list where Postmark sends an object: it was a 500
    path="/webhooks/email/postmark/inbound/",
    authorised=True,
    body=b"[]",
    content_type="application/json",
    method="POST",
)
def test_the_email_webhooks_answer_any_provider_and_body_without_a_server_error(
    site: Site,
    settings: Any,
    path: str,
    authorised: bool,
    body: bytes,
    content_type: str,
    method: str,
) -> None:
    """Every provider's address answers, also those this installation has not set up (a
    provider's key missing is a page that is not here, not a server error)."""
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:secret-of-the-test"}
    headers = {}
    if authorised:
        headers["HTTP_AUTHORIZATION"] = (
            "Basic " + base64.b64encode(b"hook:secret-of-the-test").decode()
        )
    response = fuzz.request(
        fuzz.client(), method, path, body=body, content_type=content_type, headers=headers
    )
    fuzz.assert_clean(response)


# --- The sign-in pages and the other pages a stranger reaches --------------------------------

PASSWORD = "a-long-fresh-secret-7"


@dataclass
class SignIn:
    reset: str  # a password-reset link of an active account
    invitation: str  # the invitation link of an account that has not accepted yet


@pytest.fixture
def sign_in(world: Any) -> SignIn:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from aktivist.accounts.tests.factories import UserFactory

    def link(name: str, user: Any) -> str:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return reverse(name, args=[uid, default_token_generator.make_token(user)])

    active = UserFactory(email="fuzz-staff@example.org")
    active.set_password(PASSWORD)
    active.save()
    invited = UserFactory(email="fuzz-invited@example.org")
    invited.set_unusable_password()
    invited.save()
    return SignIn(
        reset=link("accounts:password_reset_confirm", active),
        invitation=link("accounts:invitation_accept", invited),
    )


SIGN_IN_PAGES = [
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:password_reset_confirm",
    "accounts:invitation_accept",
    "public:preferences_request",
    "set_language",
    "admin:logout",
    "admin:django_rq_home_json",
]
SIGN_IN_BASE: dict[str, dict[str, fuzz.Value]] = {
    "accounts:login": {"username": "fuzz-staff@example.org", "password": "wrong-" + PASSWORD},
    "accounts:password_reset": {"email": "fuzz-staff@example.org"},
    "accounts:password_reset_confirm": {"new_password1": PASSWORD, "new_password2": PASSWORD},
    "accounts:invitation_accept": {"new_password1": PASSWORD, "new_password2": PASSWORD},
    "public:preferences_request": {"email": "lankad@example.org"},
    "set_language": {"language": "sv", "next": "/a/fuzz-petition/"},
}


def _sign_in_path(sign_in: SignIn, name: str, bent: str | None) -> str:
    if name == "accounts:password_reset_confirm":
        path = sign_in.reset
    elif name == "accounts:invitation_accept":
        path = sign_in.invitation
    else:
        return reverse(name)
    if bent is not None:  # the token cut, or a stranger's
        path = path.rstrip("/").rsplit("/", 1)[0] + "/" + fuzz.quote(bent) + "/"
    return path


@fuzz.budget(150)
@given(
    data=st.data(),
    name=st.sampled_from(SIGN_IN_PAGES),
    bent=st.one_of(st.none(), st.none(), st.sampled_from(fuzz.NASTY[1:12]), st.text(max_size=30)),
    method=st.sampled_from(["GET", "POST", "POST", "POST", "PUT", "HEAD"]),
    query=st.one_of(st.just(""), fuzz.query_string(["next", "lang", "language"])),
    headers=fuzz.headers(),
)
def test_the_sign_in_pages_answer_any_form_and_link_without_a_server_error(
    sign_in: SignIn,
    settings: Any,
    data: st.DataObject,
    name: str,
    bent: str | None,
    method: str,
    query: str,
    headers: dict[str, str],
) -> None:
    """Login, password reset (the request, its link, the new password), the invitation link,
    a new preference-centre link, the language switch: what the page's form holds, bent.
    Throttles and lockouts answer 4xx, which is an answer."""
    c = fuzz.client()
    path = _sign_in_path(sign_in, name, bent if bent else None)
    page = c.get(path, follow=True)
    fuzz.assert_clean(page)
    if page.redirect_chain:  # a reset link goes on to its form, the token in the session
        path = page.redirect_chain[-1][0]
    forms = fuzz.forms_on(page.content) if page.status_code == 200 else []
    form = next((f for f in forms if f.method == "post"), None)
    body = data.draw(fuzz.form_body(form, base=SIGN_IN_BASE.get(name)), label="body")
    fuzz.assert_clean(fuzz.request(c, method, path, query=query, body=body, headers=headers))


# The routes this module's fuzz requests (test_fuzz_coverage.py: every route a stranger
# reaches is in some fuzz module's COVERS).
COVERS = frozenset(
    {name for name, _what in PAGES}
    | set(SIGN_IN_PAGES)
    | {"public:api_sign"}
    | {f"sms_webhooks:{name}" for name in SMS_WEBHOOKS}
    | {f"anymail:{p.name}" for p in anymail_urls.urlpatterns}
)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/webhooks/email/postmark/inbound/", b"[]"),
        ("/webhooks/email/postmark/tracking/", b'"a string"'),
        ("/webhooks/email/sparkpost/tracking/", b'{"msys": 1}'),
        ("/webhooks/email/mailjet/tracking/", b"[1, 2]"),
        ("/webhooks/email/brevo/tracking/", b"[]"),
        ("/webhooks/email/postmark/tracking/", b"\xff\xfe{"),
    ],
)
def test_an_email_webhook_body_the_provider_never_sends_is_a_bad_request(
    settings: Any, path: str, body: bytes
) -> None:
    """Issue 15 (fuzz): past the basic auth, anymail's parsers raised on a body of the wrong
    shape (AttributeError, TypeError…): a 500. Now a 400, and nothing is suppressed."""
    from aktivist.mobilization.models import Suppression

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook:secret-of-the-test"}
    auth = "Basic " + base64.b64encode(b"hook:secret-of-the-test").decode()
    response = fuzz.request(
        fuzz.client(),
        "POST",
        path,
        body=body,
        content_type="application/json",
        headers={"HTTP_AUTHORIZATION": auth},
    )
    fuzz.assert_clean(response, statuses={400})
    assert not Suppression.objects.exists()

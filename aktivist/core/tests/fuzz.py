"""The reliability suite's bounded fuzz (hypothesis): hostile values, a reader of the forms a
page really shows, request bodies built from them, and the one rule every answer keeps —
never a 5xx, never a server path or a traceback in what the visitor sees.

Budget: every fuzz test runs a fixed number of examples from a fixed seed (``derandomize``),
so CI is repeatable and its time is known (test_fuzz_*.py: about 95 s of CPU in one process,
on SQLite and on PostgreSQL alike; test_fuzz_coverage.py fails when a route a stranger
reaches is in no fuzz module). To hunt for more, run with ``AKTIVIST_FUZZ=deep`` (random
seeds, ten times the examples, failures remembered in ``.hypothesis/``) or scale with
``AKTIVIST_FUZZ_SCALE=3``.

    from aktivist.core.tests import fuzz

    @fuzz.budget(80)
    @given(body=fuzz.form_body(fields, base={...}))
    def test_...(body):
        response = fuzz.post(client, url, body)
        fuzz.assert_clean(response)
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, TypeVar
from urllib.parse import quote_from_bytes, urlsplit

from django.conf import settings as django_settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

# --- Profiles: the CI budget and a deeper hunt ----------------------------------------------

CI_PROFILE = "aktivist-fuzz"
DEEP_PROFILE = "aktivist-fuzz-deep"
_HEALTH = [
    HealthCheck.function_scoped_fixture,  # the database persists across examples on purpose
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]
settings.register_profile(
    CI_PROFILE,
    deadline=None,
    derandomize=True,  # the same examples on every run: a CI failure can be reproduced
    database=None,
    print_blob=True,
    suppress_health_check=_HEALTH,
)
settings.register_profile(
    DEEP_PROFILE,
    deadline=None,
    derandomize=False,
    database=DirectoryBasedExampleDatabase(".hypothesis/aktivist-fuzz"),
    print_blob=True,
    suppress_health_check=_HEALTH,
)
DEEP = os.environ.get("AKTIVIST_FUZZ", "").lower() == "deep"
SCALE = float(os.environ.get("AKTIVIST_FUZZ_SCALE", "10" if DEEP else "1"))


def budget(examples: int) -> settings:
    """A fuzz test's settings: ``examples`` requests in CI (scaled when hunting)."""
    profile = settings.get_profile(DEEP_PROFILE if DEEP else CI_PROFILE)
    return settings(profile, max_examples=max(1, round(examples * SCALE)))


# --- Hostile values ---------------------------------------------------------------------------

NASTY: list[str] = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\x07\x1b[31m\x7f",
    "line\nbreak\r\n",
    "\u202eevil\u202c",
    "\ufeff\u200b\u200f",
    "😀✊🏽👩‍👩‍👧",
    "مرحبا",
    "Åsa-Öberg d'Ärnö",
    "𝕬𝖒𝖎𝖗",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE people_person; --',
    "{{ settings.SECRET_KEY }}",
    "%(name)s %s {0}",
    "../../../../etc/passwd",
    "C:\\Windows\\win.ini",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "x" * 5_000,
    "é" * 70_000,
]
NUMBERS: list[str] = [
    "0",
    "-1",
    "-0",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "9" * 40,
    "٣",
    "½",
    "0x10",
    "1_000",
]
DATES: list[str] = [
    "0000-00-00",
    "0001-01-01",
    "2025-02-30",
    "2025-13-01",
    "9999-12-31",
    "10000-01-01",
    "1-1-1",
    "31/12/2025",
    "2025-01-01T25:61",
    "2025-06-01 12:00",
    "1970-01-01T00:00:00+99:00",
]
# Bytes no UTF-8 text holds: a lone surrogate as CESU-8, overlong and stray bytes, a BOM.
RAW_BYTES: list[bytes] = [
    b"\xed\xa0\x80",
    b"\xff\xfe",
    b"\xc0\xaf",
    b"\x80",
    b"\xef\xbb\xbf",
    b"abc\xff",
]

text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.sampled_from(NUMBERS),
    st.sampled_from(DATES),
    st.integers().map(str),
)
# A value of a form or a query string: text, or bytes that are no UTF-8 at all.
value = st.one_of(text, text, text, st.sampled_from(RAW_BYTES), st.binary(max_size=12))
Value = str | bytes
Pairs = list[tuple[Value, Value]]


def values_of(strategy: st.SearchStrategy[Value]) -> st.SearchStrategy[list[Value]]:
    """One value, or the same key sent two or three times (the closest a form comes to a
    wrong type)."""
    return st.one_of(
        strategy.map(lambda v: [v]),
        strategy.map(lambda v: [v]),
        st.lists(strategy, min_size=2, max_size=3),
    )


def _bytes(v: Value) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")


def quote(v: Value) -> str:
    """A path segment of any value, bytes included."""
    return quote_from_bytes(_bytes(v), safe="")


def urlencode(pairs: Iterable[tuple[Value, Value]]) -> str:
    """application/x-www-form-urlencoded of any keys and values, bytes included."""
    return "&".join(
        f"{quote_from_bytes(_bytes(k), safe='')}={quote_from_bytes(_bytes(v), safe='')}"
        for k, v in pairs
    )


@st.composite
def query_string(draw: st.DrawFn, keys: Sequence[str] = ()) -> str:
    """A query string: the page's own parameters and strangers, repeated or malformed."""
    names = st.one_of(st.sampled_from(list(keys)), text) if keys else text
    pairs: Pairs = []
    for name in draw(st.lists(names, max_size=5)):
        for v in draw(values_of(value)):
            pairs.append((name, v))
    encoded = urlencode(pairs)
    junk = draw(st.sampled_from(["", "", "", "&&=&", "%", "%zz", "%ff%fe", "a=%00", ";;", "=x"]))
    return encoded + junk


HEADERS: dict[str, list[str]] = {
    "HTTP_ACCEPT_LANGUAGE": ["en", "sv", "*", "xx-YY;q=2", "en;q=nan", ",,,", "é" * 300],
    "HTTP_HX_REQUEST": ["true"],
    "HTTP_HX_CURRENT_URL": ["http://testserver/", "javascript:alert(1)", "//evil.example"],
    "HTTP_REFERER": ["http://evil.example/", "not a url", ""],
    "HTTP_X_FORWARDED_FOR": ["1.2.3.4", "::1", "garbage", "1.2.3.4, 5.6.7.8", "999.1.1.1"],
    "HTTP_USER_AGENT": ["", "\x01", "Mozilla/5.0"],
}


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    """Some of the request headers the pages read, with values they do not expect."""
    chosen = draw(st.sets(st.sampled_from(sorted(HEADERS)), max_size=2))
    return {name: draw(st.sampled_from(HEADERS[name])) for name in sorted(chosen)}


# --- The forms a page shows ---------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # what the page offers or pre-fills
    required: bool = False


@dataclass
class PageForm:
    action: str
    method: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)

    def initial(self) -> dict[str, list[str]]:
        """What a browser would send unchanged: every pre-filled value and checked box."""
        out: dict[str, list[str]] = {}
        for f in self.fields.values():
            if f.kind in ("submit", "button", "reset", "file", "image"):
                continue
            if f.kind == "select" and f.values:
                out[f.name] = [f.values[0]]
            elif f.values:
                out[f.name] = f.values[:1]
        return out


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._select: Field | None = None
        self._textarea: Field | None = None

    def _form(self) -> PageForm:
        if not self.forms:
            self.forms.append(PageForm(action="", method="get", enctype=""))
        return self.forms[-1]

    def _field(self, name: str, kind: str) -> Field:
        form = self._form()
        if name not in form.fields:
            form.fields[name] = Field(name=name, kind=kind)
        return form.fields[name]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                PageForm(
                    action=a.get("action", ""),
                    method=a.get("method", "get").lower(),
                    enctype=a.get("enctype", ""),
                )
            )
        elif tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            f = self._field(a["name"], kind)
            f.required = f.required or "required" in a
            v = a.get("value", "")
            if kind in ("checkbox", "radio"):
                v = v or "on"
            if v or kind in ("text", "hidden", "email", "tel", "search"):
                f.values.append(v)
        elif tag == "select" and a.get("name"):
            self._select = self._field(a["name"], "select")
            self._select.required = "required" in a
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = self._field(a["name"], "textarea")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.values = [data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_on(html: str | bytes) -> list[PageForm]:
    reader = _FormReader()
    reader.feed(html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    return reader.forms


def form_on(html: str | bytes, *, having: str) -> PageForm:
    """The form of a page that has a field ``having`` (or whose action contains it)."""
    for form in forms_on(html):
        if having in form.fields or (having.startswith("/") and having in form.action):
            return form
    raise AssertionError(f"no form with {having!r} on the page")


T = TypeVar("T")


def pick_from(items: Sequence[T]) -> st.SearchStrategy[T]:
    """One of ``items``, drawn with the same constraints however many there are: a page's
    offered values (and fields) can change between examples, as earlier examples create
    objects, and hypothesis refuses a replay that draws with other constraints
    (FlakyStrategyDefinition) — st.sampled_from's bound is the list's length."""
    chosen = tuple(items)
    return st.integers(0, 2**16 - 1).map(lambda i: chosen[i % len(chosen)])


def field_values(f: Field) -> st.SearchStrategy[Value]:
    """A value for one field: one the page offers, or a hostile one of its kind."""
    hostile: list[st.SearchStrategy[Value]] = [value]
    if f.kind in ("number", "range") or f.name.endswith(("_id", "year", "count", "capacity")):
        hostile.append(st.sampled_from(NUMBERS))
    if f.kind in ("date", "datetime-local", "time") or "date" in f.name or f.name.endswith("_at"):
        hostile.append(st.sampled_from(DATES))
    offered = [v for v in f.values if v is not None]
    if offered:
        return st.one_of(pick_from(offered), pick_from(offered), *hostile)
    return st.one_of(*hostile)


@st.composite
def form_body(
    draw: st.DrawFn,
    form: PageForm | None = None,
    *,
    base: Mapping[str, Value | list[Value]] | None = None,
    extra: Mapping[str, st.SearchStrategy[Value]] | None = None,
) -> Pairs:
    """The pairs of a form post. Mostly what a person would send (the page's own values and
    ``base``) with one to three fields hostile, repeated or left out; sometimes every field
    at random; sometimes keys the page never had."""
    fields = dict(form.fields) if form else {}
    for name in extra or {}:
        fields.setdefault(name, Field(name=name, kind="text"))
    start: dict[str, list[Value]] = dict(form.initial()) if form else {}
    for name, v in (base or {}).items():
        start[name] = list(v) if isinstance(v, list) else [v]
        fields.setdefault(name, Field(name=name, kind="text", values=start[name]))

    def hostile(name: str) -> st.SearchStrategy[Value]:
        if extra and name in extra:
            return st.one_of(extra[name], field_values(fields[name]))
        return field_values(fields[name])

    names = sorted(fields)
    data: dict[str, list[Value]]
    if names and draw(st.integers(0, 4)) == 0:
        data = {}
        for name in names:
            if draw(st.booleans()):
                data[name] = draw(values_of(hostile(name)))
    else:
        data = dict(start)
        if names:
            for name in draw(st.sets(pick_from(names), min_size=1, max_size=3)):
                if draw(st.integers(0, 5)) == 0:
                    data.pop(name, None)
                else:
                    data[name] = draw(values_of(hostile(name)))
    if draw(st.integers(0, 6)) == 0:
        for name in draw(st.lists(text, min_size=1, max_size=2)):
            data[name] = draw(values_of(value))
    return [(k, v) for k, vs in data.items() for v in vs]


# --- Requests and the rule ------------------------------------------------------------------


def client() -> Client:
    """A test client that answers a server error as the 500 a visitor would see."""
    return Client(raise_request_exception=False)


def request(
    c: Client,
    method: str,
    path: str,
    *,
    query: str = "",
    body: bytes | str | Pairs | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    headers: Mapping[str, str] | None = None,
) -> HttpResponse | None:
    """Send one request. ``body`` as pairs is form-encoded here (bytes and all). None when
    the test client itself refuses what HTTP cannot carry (a header with a newline)."""
    if isinstance(body, list):
        body = urlencode(body)
    url = f"{path}?{query}" if query else path
    extra = dict(headers or {})
    try:
        if method in ("GET", "HEAD", "OPTIONS") and not body:
            return c.generic(method, url, **extra)  # type: ignore[return-value]
        return c.generic(  # type: ignore[return-value]
            method, url, body or b"", content_type=content_type, **extra
        )
    except ValueError as e:  # e.g. "Header values can't contain newlines"
        if "header" in str(e).lower():
            return None
        raise


# What a visitor must never be shown: where the code lives, or how it failed.
def _leaks() -> list[str]:
    return [
        "Traceback (most recent call last)",
        'File "/',
        "site-packages",
        str(django_settings.BASE_DIR),
        "django/core/handlers",
        "Exception Value:",
        "Request Method:",
    ]


def _failure(response: HttpResponse, what: str) -> str:
    exc = getattr(response, "exc_info", None)
    detail = "".join(traceback.format_exception(*exc)[-6:]) if exc else ""
    req = getattr(response, "request", {}) or {}
    return (
        f"{what}: {req.get('REQUEST_METHOD', '')} {req.get('PATH_INFO', '')}"
        f"?{req.get('QUERY_STRING', '')} → {response.status_code}\n{detail}"
    )


def assert_clean(response: HttpResponse | None, *, statuses: Iterable[int] = ()) -> None:
    """Never a 5xx (a 4xx or a form with its errors is an answer); nothing in the answer
    that tells where the server keeps its code or how it failed. ``statuses``: when given,
    the only answers allowed."""
    if response is None:
        return
    assert response.status_code < 500, _failure(response, "server error")
    allowed = set(statuses)
    if allowed:
        assert response.status_code in allowed, _failure(response, "unexpected answer")
    if getattr(response, "streaming", False):
        return
    body = response.content.decode("utf-8", "replace")
    for leak in _leaks():
        assert leak not in body, _failure(response, f"the answer shows {leak!r}")
    location = response.get("Location", "")
    if location:
        host = urlsplit(location).netloc
        assert host in ("", "testserver") or location.startswith(django_settings.SITE_URL), (
            _failure(response, f"redirects away to {location!r}")
        )


def looks_refused(response: HttpResponse) -> bool:
    """The answer says nothing was done: a 4xx, or the page again with its form's errors."""
    if response.status_code >= 400:
        return True
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    body = response.content
    return b"message--error" in body or b"errorlist" in body or b'aria-invalid="true"' in body


def assert_nothing_stored(
    response: HttpResponse | None, before: Mapping[str, int], counts: Callable[[], dict[str, int]]
) -> None:
    """Spot-check: an answer that refused stored no row."""
    if response is None or not looks_refused(response):
        return
    after = counts()
    assert after == dict(before), _failure(response, f"refused, yet stored rows {before}→{after}")


# --- Every route, and which of them a stranger reaches ----------------------------------------

_SAMPLE_OF_CONVERTER = {"int": "1", "slug": "x", "str": "x", "path": "1", "uuid": "0" * 32}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    path: str  # the route with a sample value in each of its arguments


def _sample(route: str) -> str:
    # The few regular-expression routes (the admin's app list, anymail's mailgun, django-rq's
    # stats): a named group's first alternative, optional groups left out, anchors dropped.
    route = re.sub(r"\((?:[^()]|\([^()]*\))*\)\?", "", route)
    route = re.sub(r"\(\?P<\w+>([\w-]*)[^)]*\)", lambda m: m[1] or "x", route)
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLE_OF_CONVERTER[m[1] or "str"], route)
    return "/" + route.replace("^", "").replace("$", "").replace("/?", "/").replace("\\", "")


def routes() -> list[Route]:
    """Every route of the project, with a path to request it by."""

    def walk(patterns: Iterable[Any], prefix: str, namespace: str) -> Iterable[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif p.name:
                yield Route(f"{namespace}{p.name}", _sample(prefix + str(p.pattern)))

    return sorted(set(walk(get_resolver().url_patterns, "", "")), key=lambda r: r.name)


def reaches_a_stranger(c: Client, route: Route) -> bool:
    """Whether a visitor who is not signed in gets past the sign-in to the route's own code:
    anything but a redirect to the login page (a GET, or a POST where only POST is allowed)."""
    logins = {resolve_url(django_settings.LOGIN_URL), reverse("admin:login")}
    for method in ("GET", "POST"):
        response = c.generic(method, route.path)
        if response.status_code == 405:
            continue
        location = response.get("Location", "")
        return not (response.status_code == 302 and urlsplit(location).path in logins)
    return True

"""libical's own checks on a calendar file, through the C library itself (ctypes).

Debian ships libical as a library only (``libical3``; ``libical-dev`` adds headers, no
validator program), so the tests call what a validator would: libical's parser, which
marks every property or value it cannot read with an X-LIC-ERROR property, and
``icalrestriction_check``, which holds each component to what RFC 5546 (iTIP) demands
of the file's METHOD (PUBLISH: one DTSTAMP, DTSTART, ORGANIZER, SUMMARY and UID; a
SEQUENCE when above 0; a STATUS among TENTATIVE, CONFIRMED, CANCELLED …).

Without the library (``apt-get install libical3``) the tests that use it are skipped with
a message, except when ``CI=true``: CI installs it (.ci/run).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re

import pytest


def _load() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("ical")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
    lib.icalrestriction_check.restype = ctypes.c_int
    lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_free.restype = None
    lib.icalerror_set_errors_are_fatal.argtypes = [ctypes.c_int]
    lib.icalerror_set_errors_are_fatal.restype = None
    lib.icalerror_set_errors_are_fatal(0)  # report, never abort the test process
    return lib


def libical() -> ctypes.CDLL:
    """The loaded library, or skip (fail in CI) when it is not installed."""
    lib = _load()
    if lib is None:
        message = "libical is not installed (Debian: apt-get install libical3)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: the calendar checks must run in CI.")
        pytest.skip(f"{message}: libical's checks skipped.")
    return lib


def libical_errors(raw: bytes) -> list[str]:
    """What libical finds wrong with a calendar file: its X-LIC-ERROR lines (parse errors
    and RFC 5546 restrictions for the METHOD), or a parse failure. [] when it passes."""
    lib = libical()
    component = lib.icalparser_parse_string(raw)
    if not component:
        return ["libical could not parse the file"]
    try:
        passed = lib.icalrestriction_check(component)
        text = (lib.icalcomponent_as_ical_string(component) or b"").decode("utf-8")
    finally:
        lib.icalcomponent_free(component)
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    errors = [line for line in unfolded.splitlines() if line.startswith("X-LIC-ERROR")]
    if not passed and not errors:
        errors.append("icalrestriction_check failed")
    return errors

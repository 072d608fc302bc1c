"""How an SMS is cut into parts, checked by example and, with hypothesis, against two
independent implementations pinned as dev dependencies: the ``gsm0338`` codec (which
characters GSM-7 holds and how many septets they take) and ``smsutil`` (how a text is
split into parts)."""

from __future__ import annotations

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
import smsutil
from hypothesis import given, settings
from hypothesis import strategies as st

from aktivist.core.sms import GSM7_BASIC, GSM7_EXTENSION, segments, split

# Characters of both alphabets, and some outside them: letters of names (Zoë, Łukasz,
# Çağla, Chinese, Arabic), curly quotes, emoji (surrogate pairs in UTF-16) and ASCII that
# GSM-7 lacks (the backtick).
OUTSIDE = "ëŁłğşçÇ’“”`中文عربي😀🙂✊🏽\u00a0"
ALPHABET = sorted(GSM7_BASIC | GSM7_EXTENSION | set(OUTSIDE))
texts = st.text(alphabet=st.sampled_from(ALPHABET), min_size=1, max_size=1100)
# Mostly one alphabet with now and then a stranger: long texts of both encodings.
gsm_texts = st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)), min_size=1)
mixed = st.one_of(
    texts,
    st.builds(
        lambda a, ch, b: a + ch + b,
        st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)), max_size=600),
        st.sampled_from(OUTSIDE),
        st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)), max_size=600),
    ),
)


def test_zoe_is_ucs2_and_anna_is_gsm7():
    assert segments("Hej Anna!").encoding == "GSM-7"
    assert segments("Hej Zoë!").encoding == "UCS-2"
    assert segments("Hej Łukasz!").encoding == "UCS-2"
    assert segments("Hej Çağla!").encoding == "UCS-2"  # Ç is GSM-7, ğ is not
    assert segments("Hej Åsa Öberg, Ärla!").encoding == "GSM-7"


def test_an_extension_character_is_never_split_across_parts():
    # 306 septets would fit two parts of 153, but the euro sign (escape + e) cannot
    # straddle the first two: it starts the second part, and the last x needs a third.
    text = "x" * 152 + "€" + "x" * 152
    encoding, parts = split(text)
    assert encoding == "GSM-7"
    assert parts == ["x" * 152, "€" + "x" * 151, "x"]
    assert segments(text).count == 3


def test_a_surrogate_pair_is_never_split_across_parts():
    text = "ş" * 66 + "🙂" + "ş" * 66  # 134 UTF-16 code units: 2 × 67, but 3 parts
    encoding, parts = split(text)
    assert encoding == "UCS-2"
    assert parts == ["ş" * 66, "🙂" + "ş" * 65, "ş"]
    assert segments(text).count == 3


def test_one_sms_holds_160_septets_or_70_code_units():
    assert segments("€" * 80).count == 1
    assert segments("ë" * 70).count == 1
    assert segments("🙂" * 35).count == 1
    assert segments("🙂" * 35 + "x").count == 2


@settings(max_examples=300, deadline=None)
@given(mixed)
def test_the_encoding_and_septets_agree_with_the_gsm0338_codec(text):
    try:
        septets = len(text.encode("gsm03.38"))
    except ValueError:  # UnicodeEncodeError, or the codec's own ValueError
        septets = None
    found = segments(text)
    if septets is None:
        assert found.encoding == "UCS-2"
        assert found.length == len(text.encode("utf-16-le")) // 2
    else:
        assert found.encoding == "GSM-7"
        assert found.length == septets


@settings(max_examples=300, deadline=None)
@given(mixed)
def test_the_parts_agree_with_smsutil(text):
    theirs = smsutil.split(text)
    encoding, parts = split(text)
    assert parts == [part.content for part in theirs.parts]
    assert encoding == ("GSM-7" if theirs.encoding == "gsm0338" else "UCS-2")
    assert segments(text).count == len(theirs.parts)


@settings(max_examples=200, deadline=None)
@given(gsm_texts)
def test_parts_join_to_the_text_and_each_fits(text):
    encoding, parts = split(text)
    assert "".join(parts) == text
    limit = 160 if len(parts) == 1 else 153
    for part in parts:
        assert len(part.encode("gsm03.38")) <= limit

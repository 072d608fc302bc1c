"""The duplicate finder.

The finder proposes pairs of active people who are likely one human, for staff to decide
on in the review queue. It never compares every pair; it reads the people table in three
streams, each ordered so that the people it compares arrive next to each other:

* **email variants** (``email_variant``): addresses that reach the same mailbox — case,
  dots and ``+tags`` at Gmail, ``+tags`` elsewhere, and a small table of common domain
  typos. Only people whose address differs from its canonical form are held in memory;
  the canonical forms are then looked up in bulk.
* **the same landline** (``landline``): households share landlines, so a shared number
  alone is no candidate: the first names must be alike (and the pair scores higher when
  the last names agree).
* **similar names** (``similar_name``): rapidfuzz's token-sort ratio on "first last"
  (≥ 90), compared only inside blocks — the same postcode, or the same birth year and first
  letter of the last name. Inside a block people with the same name form a cluster; the
  distinct names are compared all against all in small blocks and with a sorted
  neighbourhood window (two sort orders) in large ones. A name pair is only a candidate when
  the rest of the two records does not contradict it: a different email, mobile or birth
  year each count against the pair, so namesakes with different everything are not
  proposed; and outside a postcode, a name shared by more than ``COMMON_NAME`` people born
  the same year, or by more than ``COMMON_NAME`` people in all, is too common to pair on
  name and birth year alone, and a pair needs a higher score than inside a postcode.

Candidates are written in bulk, ignoring pairs that exist in any status (a dismissed pair
never comes back); each run writes one audit event with counts only.

The keys it compares are ``duplicate_keys.py``; the review of the pairs (dismiss, merge)
is ``duplicate_review.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Substr
from rapidfuzz import fuzz, process

from aktivist.core import audit
from aktivist.imports.duplicate_keys import (
    canonical_domain,
    canonical_email,
    fold,
    local_part,
    name_key,
)
from aktivist.imports.models import DuplicateCandidate
from aktivist.people.models import Person

logger = logging.getLogger(__name__)

REASON_EMAIL = "email_variant"
REASON_LANDLINE = "landline"
REASON_NAME = "similar_name"
REASONS = (REASON_EMAIL, REASON_LANDLINE, REASON_NAME)

# --- Tuning (see the module docstring) -------------------------------------------------------
NAME_SIMILARITY = 90  # token-sort ratio on "first last"
NAME_THRESHOLD = 50  # a similar-name pair's score must reach this (same postcode)
CROSS_POSTCODE_THRESHOLD = 65  # … and outside a postcode, where only the birth year agrees
LANDLINE_FIRST_NAME_SIMILARITY = 80
LANDLINE_THRESHOLD = 50
COMMON_NAME = 3  # outside a postcode: a name held by more people than this is too common
MAX_CLUSTER = 25  # more people with one name in one postcode: pairs are not proposed
MAX_CROSS_PAIRS = 100  # two name clusters whose product is larger are not expanded
FULL_COMPARE_LIMIT = 300  # distinct names in a block compared all against all up to this
WINDOW = 12  # otherwise: each distinct name against the next WINDOW in two sort orders
MAX_EMAIL_GROUP = 10  # more people on one canonical address: a shared inbox, not a person
FLUSH_AT = 20_000  # pairs held before they are written
DEFAULT_BATCH_SIZE = 5_000


# --- The finder -------------------------------------------------------------------------------


class _Row(NamedTuple):
    id: int
    first: str
    last: str
    postcode: str
    birth_year: int | None
    email: str | None
    mobile: str | None
    street: str
    other_phone: str


_ROW_FIELDS = (
    "id",
    "first_name_key",
    "last_name_key",
    "postcode",
    "birth_year",
    "email",
    "mobile",
    "street_address",
    "other_phone",
)


@dataclass
class FinderResult:
    people: int = 0  # active people
    found: int = 0  # candidate pairs found in this run (known pairs included)
    created: int = 0  # new DuplicateCandidate rows
    by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    blocks: int = 0  # name blocks looked at
    comparisons: int = 0  # name comparisons made
    common_names_skipped: int = 0  # namesake clusters too common to pair on name alone
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Pairs:
    """Candidate pairs of one run: the best score per pair and all its reasons, written in
    bulk whenever FLUSH_AT pairs are held (so memory stays bounded; the keys of written
    pairs are remembered so that a pair is counted once)."""

    def __init__(self, result: FinderResult, batch_size: int) -> None:
        self.result = result
        self.batch_size = batch_size
        self.pending: dict[tuple[int, int], tuple[float, set[str]]] = {}
        self.written: set[tuple[int, int]] = set()

    def add(self, a: int, b: int, score: float, reason: str) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        if key in self.written:
            return
        held = self.pending.get(key)
        if held is None:
            self.pending[key] = (score, {reason})
            self.result.found += 1
            self.result.by_reason[reason] += 1
        else:
            if reason not in held[1]:
                held[1].add(reason)
                self.result.by_reason[reason] += 1
            self.pending[key] = (max(held[0], score), held[1])
        if len(self.pending) >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        rows = []
        for (a, b), (score, reasons) in self.pending.items():
            ordered = [r for r in REASONS if r in reasons]
            # A second, independent reason makes the pair more likely.
            combined = min(100.0, score + 5 * (len(ordered) - 1))
            rows.append(
                DuplicateCandidate(
                    person_a_id=a,
                    person_b_id=b,
                    reason=",".join(ordered),
                    score=round(combined, 1),
                )
            )
        # A pair that exists in any status stays as it is: a dismissed pair never returns.
        DuplicateCandidate.objects.bulk_create(
            rows, batch_size=self.batch_size, ignore_conflicts=True
        )
        self.written.update(self.pending)
        self.pending.clear()


def _active_people() -> Any:
    return Person.objects.filter(is_active=True).order_by()


def _stream(qs: Any, batch_size: int) -> Iterator[_Row]:
    for values in qs.values_list(*_ROW_FIELDS).iterator(chunk_size=batch_size):
        yield _Row(*values)


# Email variants -------------------------------------------------------------------------------


def _find_email_variants(pairs: _Pairs, batch_size: int) -> None:
    """Group people by canonical address. An address equal to its canonical form is held
    by one person at most (email is unique), so only the others are kept in memory; the
    people who hold a canonical form verbatim are then looked up in bulk."""
    groups: dict[str, list[int]] = {}
    qs = _active_people().filter(email__isnull=False).values_list("id", "email")
    for pk, email in qs.iterator(chunk_size=batch_size):
        canonical = canonical_email(email)
        if canonical is not None and canonical != email:
            groups.setdefault(canonical, []).append(pk)
    keys = list(groups)
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        for pk, email in _active_people().filter(email__in=chunk).values_list("id", "email"):
            groups[email].append(pk)
    groups = {k: ids for k, ids in groups.items() if 1 < len(ids) <= MAX_EMAIL_GROUP}
    if not groups:
        return
    ids = sorted({pk for members in groups.values() for pk in members})
    people: dict[int, tuple[str, str, str | None, int | None]] = {}
    for start in range(0, len(ids), 1000):
        rows = _active_people().filter(pk__in=ids[start : start + 1000])
        for pk, first, last, email, by in rows.values_list(
            "id", "first_name_key", "last_name_key", "email", "birth_year"
        ):
            people[pk] = (first, last, email, by)
    for members in groups.values():
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pairs.add(a, b, _email_score(people[a], people[b]), REASON_EMAIL)


def _email_score(
    a: tuple[str, str, str | None, int | None], b: tuple[str, str, str | None, int | None]
) -> float:
    domain_a = (a[2] or "").rpartition("@")[2]
    domain_b = (b[2] or "").rpartition("@")[2]
    typo = canonical_domain(domain_a) != domain_a or canonical_domain(domain_b) != domain_b
    score = 85.0 if typo else 90.0
    similarity = fuzz.ratio(name_key(a[0], a[1]), name_key(b[0], b[1]))
    if similarity >= 80:
        score += 5
    elif similarity < 50:
        score -= 15  # one address, two different names: a shared inbox perhaps
    if a[3] and b[3] and abs(a[3] - b[3]) > 1:
        score -= 10
    return score


# Landlines -------------------------------------------------------------------------------------


def _find_landlines(pairs: _Pairs, batch_size: int) -> None:
    shared = (
        _active_people()
        .exclude(other_phone="")
        .values("other_phone")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("other_phone")
    )
    qs = (
        _active_people()
        .filter(other_phone__in=shared)
        .order_by("other_phone", "id")
        .values_list(*_ROW_FIELDS)
    )
    group: list[_Row] = []
    for values in qs.iterator(chunk_size=batch_size):
        row = _Row(*values)
        if group and group[0].other_phone != row.other_phone:
            _landline_group(pairs, group)
            group = []
        group.append(row)
    _landline_group(pairs, group)


def _landline_group(pairs: _Pairs, group: list[_Row]) -> None:
    if len(group) < 2 or len(group) > MAX_EMAIL_GROUP:
        return
    for i, a in enumerate(group):
        for b in group[i + 1 :]:
            score = _landline_score(a, b)
            if score is not None:
                pairs.add(a.id, b.id, score, REASON_LANDLINE)


def _landline_score(a: _Row, b: _Row) -> float | None:
    """Households share a landline: only people whose first names are alike are a
    candidate; the same last name too makes it likelier."""
    first = fuzz.ratio(fold(a.first), fold(b.first))
    if first < LANDLINE_FIRST_NAME_SIMILARITY:
        return None
    last_a, last_b = set(fold(a.last).split()), set(fold(b.last).split())
    score = 60 + (first - LANDLINE_FIRST_NAME_SIMILARITY) / 2
    if not last_a or not last_b or last_a & last_b:
        score += 20
    if a.birth_year and b.birth_year and abs(a.birth_year - b.birth_year) > 1:
        score -= 25  # a parent and a child with one first name
    if a.mobile and b.mobile and a.mobile != b.mobile:
        score -= 10
    if _emails_differ(a.email, b.email):
        score -= 10
    return score if score >= LANDLINE_THRESHOLD else None


def _emails_differ(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    ca, cb = canonical_email(a), canonical_email(b)
    if ca is None or cb is None:
        return False
    return ca != cb and local_part(ca) != local_part(cb)


# Similar names in blocks ------------------------------------------------------------------------


def _name_score(a: _Row, b: _Row, similarity: float, *, same_postcode: bool) -> float:
    """How likely two people with similar names are one: the name, then what agrees and what
    contradicts (different email, mobile or birth year each weigh heavily)."""
    score = 40 + (similarity - NAME_SIMILARITY) * 2
    if same_postcode:
        score += 15
    if a.birth_year and b.birth_year:
        gap = abs(a.birth_year - b.birth_year)
        score += 10 if gap == 0 else (-5 if gap == 1 else -25)
    if a.email and b.email:
        ca, cb = canonical_email(a.email), canonical_email(b.email)
        if ca is not None and ca == cb:
            score += 20
        elif ca is not None and cb is not None and local_part(ca) == local_part(cb):
            score += 10  # the same name at another provider
        else:
            score -= 25
    if a.mobile and b.mobile and a.mobile != b.mobile:
        score -= 25
    if a.other_phone and a.other_phone == b.other_phone:
        score += 10
    if a.street and b.street and fold(a.street) == fold(b.street):
        score += 10
    return max(0.0, min(100.0, score))


def _similar_name_pairs(
    keys: Sequence[str],
    orders: Callable[[], list[list[int]]],
    result: FinderResult,
    wanted: Sequence[bool] | None = None,
) -> Iterator[tuple[int, int, float]]:
    """Pairs of distinct names (indexes into keys, i < j) whose ratio reaches
    NAME_SIMILARITY: all against all up to FULL_COMPARE_LIMIT names, else a
    sorted-neighbourhood window over each of the orders (by last name, by first name).
    ``wanted``: only pairs with at least one wanted name are compared."""
    n = len(keys)
    if n < 2:
        return
    if n > FULL_COMPARE_LIMIT:
        yield from _window_pairs(keys, orders(), result, wanted)
    elif wanted is None:
        yield from _all_pairs(keys, result)
    else:
        yield from _wanted_pairs(keys, wanted, result)


def _all_pairs(keys: Sequence[str], result: FinderResult) -> Iterator[tuple[int, int, float]]:
    """Every name against every later one."""
    for i in range(len(keys) - 1):
        rest = keys[i + 1 :]
        result.comparisons += len(rest)
        for _choice, score, j in process.extract(
            keys[i], rest, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY, limit=None
        ):
            yield i, i + 1 + j, score


def _wanted_pairs(
    keys: Sequence[str], wanted: Sequence[bool], result: FinderResult
) -> Iterator[tuple[int, int, float]]:
    """Every wanted name against every other name (a pair of two wanted names once)."""
    n = len(keys)
    for i in range(n):
        if not wanted[i]:
            continue
        result.comparisons += n - 1
        for _choice, score, j in process.extract(
            keys[i], keys, scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY, limit=None
        ):
            if j == i or (wanted[j] and j < i):
                continue  # itself, or found when j was the query
            yield min(i, j), max(i, j), score


def _window_pairs(
    keys: Sequence[str],
    orders: list[list[int]],
    result: FinderResult,
    wanted: Sequence[bool] | None,
) -> Iterator[tuple[int, int, float]]:
    """Each name against the next WINDOW names in each order, every pair once."""
    seen: set[tuple[int, int]] = set()
    ratio = fuzz.ratio
    for order in orders:
        for pos, i in enumerate(order):
            for j in order[pos + 1 : pos + 1 + WINDOW]:
                if wanted is not None and not wanted[i] and not wanted[j]:
                    continue
                pair = (i, j) if i < j else (j, i)
                if pair in seen:
                    continue
                seen.add(pair)
                result.comparisons += 1
                score = ratio(keys[i], keys[j], score_cutoff=NAME_SIMILARITY)
                if score:
                    yield pair[0], pair[1], score


def _name_block(
    pairs: _Pairs, block: list[_Row], *, by_postcode: bool, common: frozenset[str]
) -> None:
    """Pairs of similar names in one block. ``by_postcode``: the block is one postcode;
    otherwise it is one birth year and first letter of the last name, where pairs with the
    same postcode are left to the postcode block and common names are not paired."""
    if len(block) < 2:
        return
    pairs.result.blocks += 1
    clusters: dict[str, list[_Row]] = {}
    for row in block:
        clusters.setdefault(name_key(row.first, row.last), []).append(row)
    names = _NameBlock(pairs, clusters, by_postcode=by_postcode, common=common)
    names.namesakes()
    if len(clusters) >= 2:
        names.similar_names()


class _NameBlock:
    """One block's people, clustered by name (``name_key``): namesakes are paired inside
    their cluster, similar names across clusters."""

    def __init__(
        self,
        pairs: _Pairs,
        clusters: dict[str, list[_Row]],
        *,
        by_postcode: bool,
        common: frozenset[str],
    ) -> None:
        self.pairs = pairs
        self.clusters = clusters
        self.by_postcode = by_postcode
        self.common = common
        self.threshold = NAME_THRESHOLD if by_postcode else CROSS_POSTCODE_THRESHOLD

    def is_common(self, key: str) -> bool:
        return len(self.clusters[key]) > COMMON_NAME or key in self.common

    def consider(self, a: _Row, b: _Row, similarity: float) -> None:
        if not self.by_postcode and a.postcode and a.postcode == b.postcode:
            return  # the postcode block has judged them already
        score = _name_score(a, b, similarity, same_postcode=self.by_postcode)
        if score >= self.threshold:
            self.pairs.add(a.id, b.id, score, REASON_NAME)

    def namesakes(self) -> None:
        """People with the same name, unless there are too many of them (or, outside a
        postcode, the name is common)."""
        for key, members in self.clusters.items():
            if len(members) < 2:
                continue
            if len(members) > MAX_CLUSTER or (not self.by_postcode and self.is_common(key)):
                self.pairs.result.common_names_skipped += 1
                continue
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    self.consider(a, b, 100.0)

    def similar_names(self) -> None:
        clusters = self.clusters
        keys = list(clusters)

        def orders() -> list[list[int]]:
            firsts = [clusters[k][0] for k in keys]
            by_last = sorted(range(len(keys)), key=lambda i: (fold(firsts[i].last), keys[i]))
            by_first = sorted(range(len(keys)), key=lambda i: (fold(firsts[i].first), keys[i]))
            return [by_last, by_first]

        # Outside a postcode two common spellings (Carl/Karl Andersson) are no evidence:
        # only pairs with at least one uncommon name are compared.
        wanted = None if self.by_postcode else [not self.is_common(k) for k in keys]
        if wanted is not None and not any(wanted):
            return
        for i, j, similarity in _similar_name_pairs(keys, orders, self.pairs.result, wanted):
            left, right = clusters[keys[i]], clusters[keys[j]]
            if len(left) * len(right) > MAX_CROSS_PAIRS:
                continue
            for a in left:
                for b in right:
                    self.consider(a, b, similarity)


def _common_names() -> frozenset[str]:
    """Names held by more than COMMON_NAME active people (one grouped query; only the common
    ones come back)."""
    rows = (
        _active_people()
        .values("first_name_key", "last_name_key")
        .annotate(n=Count("id"))
        .filter(n__gt=COMMON_NAME)
        .values_list("first_name_key", "last_name_key")
    )
    return frozenset(name_key(first, last) for first, last in rows.iterator(chunk_size=10_000))


def _find_similar_names(pairs: _Pairs, batch_size: int) -> None:
    by_postcode = (
        _active_people()
        .exclude(postcode="")
        .order_by("postcode", "last_name_key", "first_name_key", "id")
    )
    _blocks(
        pairs,
        _stream(by_postcode, batch_size),
        key=lambda r: r.postcode,
        by_postcode=True,
        common=frozenset(),
    )
    # One sort key per block part so that a block is contiguous under any collation.
    by_year = (
        _active_people()
        .filter(birth_year__isnull=False)
        .exclude(last_name_key="")
        .order_by("birth_year", Substr("last_name_key", 1, 1), "last_name_key", "id")
    )
    _blocks(
        pairs,
        _stream(by_year, batch_size),
        key=lambda r: (r.birth_year, r.last[:1]),
        by_postcode=False,
        common=_common_names(),
    )


def _blocks(
    pairs: _Pairs, rows: Iterable[_Row], *, key: Any, by_postcode: bool, common: frozenset[str]
) -> None:
    block: list[_Row] = []
    current: Any = None
    for row in rows:
        k = key(row)
        if k != current:
            _name_block(pairs, block, by_postcode=by_postcode, common=common)
            block = []
            current = k
        block.append(row)
    _name_block(pairs, block, by_postcode=by_postcode, common=common)


def find_duplicates(*, batch_size: int = DEFAULT_BATCH_SIZE) -> FinderResult:
    """Look for likely duplicates among active people and queue the new pairs for review."""
    started = time.monotonic()
    result = FinderResult()
    result.people = _active_people().count()
    before = DuplicateCandidate.objects.count()
    pairs = _Pairs(result, batch_size)
    # Each stream reads in its own transaction: a real server-side cursor on PostgreSQL
    # (no WITH HOLD copy of the whole result). Pairs are held across the streams so that a
    # pair found for two reasons is written once, with both.
    for step in (_find_email_variants, _find_landlines, _find_similar_names):
        with transaction.atomic():
            step(pairs, batch_size)
    with transaction.atomic():
        pairs.flush()
    result.created = DuplicateCandidate.objects.count() - before
    result.seconds = round(time.monotonic() - started, 2)
    for cached in (canonical_domain, fold, name_key):
        cached.cache_clear()
    audit.record(
        actor=None,
        verb="duplicates.find",
        object_type="imports.duplicatecandidate",
        details={
            "people": result.people,
            "found": result.found,
            "created": result.created,
            "by_reason": result.by_reason,
            "seconds": result.seconds,
        },
    )
    logger.info(
        "duplicate finder: people=%s found=%s created=%s seconds=%s",
        result.people,
        result.found,
        result.created,
        result.seconds,
    )
    return result

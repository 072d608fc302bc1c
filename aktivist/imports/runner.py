"""Running an import batch: the real run over the batch's kept copy, chunk by chunk.

The file is read and cleaned row by row (``chunks``) and matched in chunks of
``chunks.CHUNK`` rows (``matcher``); ``plan.plan_chunk`` decides what each chunk changes and
``writer.Writer`` writes it. A real run writes each chunk in its own transaction, which also
advances ``processed_rows`` and the counts, so an import that crashes resumes from its last
committed chunk with nothing imported twice and no row lost. Per chunk the database sees a
fixed number of statements, never one per row (DESIGN.md "Bulk paths"):

* one lookup of the chunk's keys (member numbers, emails, mobiles: a bitmap OR of the three
  unique indexes on PostgreSQL; one query per key kind elsewhere), one for the scope of a
  district representative (``lookup.StoredPeople``);
* for matched people, one query each for their taggings, memberships and consents;
* new people with COPY on PostgreSQL (ids drawn from the sequence in one statement) and
  ``bulk_create`` elsewhere; filled fields with one UPDATE … FROM VALUES per set of fields;
  memberships, taggings, consents, review items and issues in bulk;
* one UPDATE of the batch's progress and counts.

Large files on PostgreSQL run as a pipeline over the machine's cores: a forked process
reads and cleans (it never touches the database), the main thread matches and plans, and a
writer thread with its own connection writes chunk after chunk in order while the next is
matched. The matcher keeps the people of the chunks still on their way to the database in
memory (``Matcher.recent``), so a duplicate in the next chunk still finds them. Rows to
write are taken from the people's values when a chunk is planned, so a later chunk's fills
never leak into an earlier chunk's transaction. The cyclic garbage collector is paused
during a run (millions of short-lived objects, no cycles).

The dry run is ``dry_run.py``, undo ``undo.py``, holds ``holds.py``.

One audit event records the whole batch (counts only). A row held for the secretariat (it
matched someone outside the importer's scope) is queued for review and audited on its own,
in the dry run too, and unusual numbers of holds alert the secretariat
(``aktivist.people.holds``).
"""

from __future__ import annotations

import gc
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import IntegrityError as DjangoIntegrityError
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aktivist.core import audit
from aktivist.imports import chunks
from aktivist.imports.lookup import KeyFilter, StoredPeople
from aktivist.imports.matcher import Matcher, Row
from aktivist.imports.models import ImportBatch, ImportIssue
from aktivist.imports.phases import Phases, no_phase
from aktivist.imports.plan import Options, Plan, importer_language, plan_chunk
from aktivist.imports.register_sync import register_missing_members
from aktivist.imports.writer import Writer
from aktivist.lib.db import analyze
from aktivist.organisation.models import UnitMembership
from aktivist.people.models import Consent, Person, ReviewItem, Tag, Tagging
from aktivist.people.services import erased_identities

logger = logging.getLogger(__name__)

GIL_SWITCH_S = 0.0005
MAX_COLLISIONS = 3

try:  # COPY runs on the psycopg cursor itself: its errors are not Django's
    from psycopg import IntegrityError as PsycopgIntegrityError

    IntegrityError: tuple[type[Exception], ...] = (DjangoIntegrityError, PsycopgIntegrityError)
except ImportError:  # pragma: no cover - SQLite-only installs
    IntegrityError = (DjangoIntegrityError,)


class Superseded(Exception):
    """Another runner advanced the batch meanwhile: this one stops without writing."""


def run(
    batch: ImportBatch,
    *,
    progress: Callable[[int], None] | None = None,
    phases: Phases | None = None,
) -> ImportBatch:
    """Import the batch from ``processed_rows`` on, chunk by chunk. On an error the batch is
    FAILED (with a message that names no one) and can be resumed."""
    batch = ImportBatch.objects.select_related("created_by", "unit").get(pk=batch.pk)
    if batch.status in (ImportBatch.Status.FINISHED, ImportBatch.Status.UNDONE):
        return batch
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING,
        started_at=batch.started_at or now,
        error="",
        updated_at=now,
    )
    # The run allocates millions of short-lived objects without reference cycles: the cyclic
    # garbage collector would only walk the live ones again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with importer_language(batch):
            collisions = 0
            while True:
                try:
                    _run(batch, progress, phases)
                    break
                except IntegrityError:
                    # Someone else stored one of the chunk's keys between our lookup and our
                    # write (a sign-up, another import): the chunk was rolled back; resume
                    # from the last committed chunk with a fresh look at the database.
                    collisions += 1
                    if collisions > MAX_COLLISIONS:
                        raise
                    logger.warning("import batch=%s: a key collided; resuming", batch.pk)
                    batch.refresh_from_db()
    except Superseded:
        logger.info("import batch=%s superseded by another runner", batch.pk)
    except Exception as error:
        logger.exception("import batch=%s failed (%s)", batch.pk, type(error).__name__)
        batch.refresh_from_db()
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            error=_(
                "The import stopped after %(done)s of %(total)s rows (%(error)s). "
                "Resume it to continue from there."
            )
            % {
                "done": batch.processed_rows,
                "total": batch.total_rows,
                "error": type(error).__name__,
            },
            updated_at=timezone.now(),
        )
        raise
    finally:
        if collecting:
            gc.enable()
    batch.refresh_from_db()
    return batch


@dataclass
class _Work:
    plan: Plan
    rows: int
    done_before: int


def _write_chunk(
    batch: ImportBatch, writer: Writer, work: _Work, phases: Phases | None = None
) -> None:
    """One chunk in one transaction, with the batch's resume point and counts."""
    step = phases.start if phases is not None else no_phase
    with transaction.atomic():
        step("w.lock")
        locked = (
            ImportBatch.objects.select_for_update()
            .filter(pk=batch.pk)
            .values_list("processed_rows", flat=True)
            .first()
        )
        if locked != work.done_before:
            raise Superseded
        if writer.postgres:
            # The chunk and its resume point commit together or not at all, so a commit
            # that a server crash loses is simply imported again on resume: no need to wait
            # for the WAL flush of every chunk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        writer.write(work.plan, timezone.now(), phases)
        step("w.progress")
        c = work.plan.counts
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed_rows=F("processed_rows") + work.rows,
            created_count=F("created_count") + c.created,
            updated_count=F("updated_count") + c.updated,
            unchanged_count=F("unchanged_count") + c.unchanged,
            refused_count=F("refused_count") + c.refused,
            held_count=F("held_count") + c.held,
            opted_out_count=F("opted_out_count") + c.opted_out,
            organisation_count=F("organisation_count") + c.organisations,
            test_lead_count=F("test_lead_count") + c.test_leads,
            updated_at=timezone.now(),
        )
        step("w.commit")
    step("")


class _WriterThread:
    """Writes chunks in a thread of its own (with its own database connection) while the
    next chunk is read, cleaned and matched: PostgreSQL works on one core while Python
    works on the other. Chunks are written in order; the first error stops everything."""

    def __init__(
        self, batch: ImportBatch, writer: Writer, progress: Callable[[int], None] | None
    ) -> None:
        self.batch = batch
        self.writer = writer
        self.progress = progress
        self.queue: queue.Queue[_Work | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.phases = Phases()
        self.thread = threading.Thread(target=self._work, name="import-writer", daemon=True)
        self.thread.start()

    def _work(self) -> None:
        try:
            while (work := self.queue.get()) is not None:
                if self.error is None:
                    with importer_language(self.batch):
                        _write_chunk(self.batch, self.writer, work, self.phases)
                    if self.progress is not None:
                        self.progress(work.rows)
        except BaseException as error:  # handed to the reading thread
            self.error = error
        finally:
            connections.close_all()

    def put(self, work: _Work) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(work, timeout=0.2)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        while self.thread.is_alive():
            try:
                self.queue.put(None, timeout=0.2)
                break
            except queue.Full:
                if self.error is not None:
                    break
        self.thread.join()
        if self.error is not None:
            raise self.error


def _run(
    batch: ImportBatch, progress: Callable[[int], None] | None, phases: Phases | None = None
) -> None:
    phases = phases or Phases()
    options = Options.of(batch)
    writer = Writer(batch, options)
    done = batch.processed_rows
    large = batch.total_rows - done >= chunks.PIPELINE_MIN_ROWS
    pipelined = writer.postgres and large
    phases.start("key filter")
    key_filter = KeyFilter.from_database() if large else None
    match = Matcher(
        lookup=StoredPeople(scope=options.scope, key_filter=key_filter).lookup,
        register=options.register,
        membership=options.scope is None,  # only the secretariat's imports set membership
        today=timezone.localdate(),
        # A chunk being written and one waiting: the next lookup may not see them yet.
        recent=3 if pipelined else 0,
        key_filter=key_filter,
        erased=erased_identities,
        tell_erased=options.scope is None,
    )
    if progress is not None and done:
        progress(done)
    rows: Iterator[list[Row]]
    if pipelined and chunks.can_fork():
        # Fork before the writer thread starts: the child reads and cleans.
        rows = chunks.chunks_from_child(batch, start=done)
    else:
        rows = chunks.chunked(chunks.iter_rows(batch, start=done), chunks.CHUNK)
    thread = _WriterThread(batch, writer, progress) if pipelined else None
    switch_interval = sys.getswitchinterval()
    if thread is not None:
        # The writer thread mostly waits for PostgreSQL; when an answer arrives it should
        # get the interpreter back at once, not after the reading thread's 5 ms slice.
        sys.setswitchinterval(GIL_SWITCH_S)
    try:
        phases.start("read")
        for chunk in rows:
            phases.start("match")
            if thread is None:
                with transaction.atomic():
                    plan = plan_chunk(match.match(chunk), options)
                    writer.prepare(plan, timezone.now())
                    phases.start("write")
                    _write_chunk(batch, writer, _Work(plan, len(chunk), done))
                    phases.start("commit")
                if progress is not None:
                    progress(len(chunk))
            else:
                decisions = match.match(chunk)
                phases.start("plan")
                plan = plan_chunk(decisions, options)
                writer.prepare(plan, timezone.now())
                phases.start("queue")
                thread.put(_Work(plan, len(chunk), done))
            done += len(chunk)
            phases.start("read")
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()  # stops the cleaning process when we stop early
        if thread is not None:
            phases.start("drain")
            try:
                thread.close()
            finally:
                sys.setswitchinterval(switch_interval)
                for name, (wall, cpu) in thread.phases.seconds.items():
                    phases.seconds[name][0] += wall
                    phases.seconds[name][1] += cpu
    phases.start("finish")
    _finish(batch, options)
    phases.start("analyze")
    # A bulk load: the planner's statistics follow it (autovacuum may be off or late).
    analyze(Person, Consent, Tag, Tagging, UnitMembership, ReviewItem, ImportIssue)
    phases.stop()


def _finish(batch: ImportBatch, options: Options) -> None:
    formered: list[int] = []
    if options.register:
        formered = register_missing_members(batch)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportBatch.Status.FINISHED:
            raise Superseded
        now = timezone.now()
        if formered:
            today = timezone.localdate(now)
            for start in range(0, len(formered), chunks.CHUNK):
                Person.objects.filter(
                    pk__in=formered[start : start + chunks.CHUNK],
                    membership_status=Person.MembershipStatus.MEMBER,
                ).update(
                    membership_status=Person.MembershipStatus.FORMER,
                    membership_ended_on=today,
                    updated_at=now,
                )
        locked.status = ImportBatch.Status.FINISHED
        locked.finished_at = now
        locked.formered_count = len(formered)
        locked.save(update_fields=["status", "finished_at", "formered_count", "updated_at"])
        audit.record(
            actor=locked.created_by,
            verb="import.run",
            obj=locked,
            details={
                "kind": locked.kind,
                "rows": locked.processed_rows,
                "created": locked.created_count,
                "updated": locked.updated_count,
                "unchanged": locked.unchanged_count,
                "refused": locked.refused_count,
                "held": locked.held_count,
                "opted_out": locked.opted_out_count,
                "organisations": locked.organisation_count,
                "test_leads": locked.test_lead_count,
                "former": locked.formered_count,
            },
        )

"""Reading a batch's kept copy: its rows cleaned (``rows.clean_row``), in chunks.

Small files are read and cleaned in the process that matches (``iter_rows``, ``chunked``).
Large files on PostgreSQL are read and cleaned in a forked process (``chunks_from_child``):
it never touches the database, and hands over chunks of compact tuples, cheap to send
between processes, while the main process matches and writes. ``CHUNK`` is the number of
rows matched and written together (one transaction each in the real run).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings

from aktivist.imports import matcher
from aktivist.imports.matcher import Row
from aktivist.imports.models import ImportBatch
from aktivist.imports.reading import open_sanitised_table
from aktivist.imports.row_mapping import RowMapping
from aktivist.imports.rows import RowError, clean_row

CHUNK = 5000
PIPELINE_MIN_ROWS = 20_000  # smaller files are written chunk after chunk in one thread
CHILD_NICENESS = 10
_SKIPPED = "_skipped"  # a compact row's kind of skip (not a person), in its values
_OPT_OUTS = "_opt_outs"  # a compact row's opt-outs (Row.opt_outs), in its values
_NOTE = "_note"  # a compact row's note (Row.note), in its values


def _cleaner(batch: ImportBatch) -> Callable[[int, list[str]], Row]:
    """(line, cells) -> matcher.Row, through the one row cleaner of the upload."""
    headers = [str(h) for h in batch.headers]
    mapping = RowMapping.build(headers, {str(k): str(v) for k, v in batch.mapping.items()})

    def clean(line: int, cells: list[str]) -> Row:
        result = clean_row(cells, line=line, mapping=mapping)
        if isinstance(result, RowError):
            skipped = getattr(result, "kind", "")  # rows.RowSkipped: not a person
            return Row(line=line, values={}, cells=cells, error=result.reason, skipped=skipped)
        return Row(
            line=line,
            values=result.given(),
            tags=result.tags,
            cells=cells,
            opt_outs=result.opt_outs,
            note=result.note,
        )

    return clean


def _compact_cleaner(headers: list[str], mapping: dict[str, str]) -> Callable[..., tuple]:
    """(line, cells) -> a compact tuple of the cleaned row, cheap to send between
    processes: (line, values, tags, error, cells joined)."""
    row_mapping = RowMapping.build(headers, mapping)
    separator = matcher.CELL_SEPARATOR
    join = separator.join

    def clean(line: int, cells: list[str]) -> tuple[Any, ...]:
        result = clean_row(cells, line=line, mapping=row_mapping)
        joined: str | list[str] = join(cells)
        if isinstance(joined, str) and joined.count(separator) != len(cells) - 1:
            joined = list(cells)  # a cell holds the separator itself
        if isinstance(result, RowError):
            # A skipped row (rows.RowSkipped: not a person) carries its kind in the values.
            skipped = getattr(result, "kind", "")
            return (line, {_SKIPPED: skipped} if skipped else {}, [], result.reason, joined)
        values = result.given()
        if result.opt_outs:
            values[_OPT_OUTS] = result.opt_outs  # taken out again in chunks_from_child
        if result.note:
            values[_NOTE] = result.note  # taken out again in chunks_from_child
        return (line, values, result.tags, "", joined)

    return clean


def _clean_in_child(
    path: str, start: int, headers: list[str], mapping: dict[str, str], out: Any
) -> None:
    """The reading and cleaning process: chunks of compact rows into ``out``, then None.
    It never touches the database."""
    gc.disable()  # see runner.run()
    with contextlib.suppress(OSError):
        # Cleaning runs ahead of the database anyway: let PostgreSQL's backends and the
        # matching thread have the cores first.
        os.nice(CHILD_NICENESS)
    try:
        clean = _compact_cleaner(headers, mapping)
        rows = open_sanitised_table(path).rows()
        if start:
            rows = itertools.islice(rows, start, None)
        chunk: list[tuple] = []
        for line, cells in rows:
            chunk.append(clean(line, cells))
            if len(chunk) >= CHUNK:
                out.put(chunk)
                chunk = []
        if chunk:
            out.put(chunk)
        out.put(None)
    except BaseException as error:  # reported by name only: messages may hold row data
        out.put(("error", type(error).__name__))


class CleanerFailed(Exception):
    pass


def can_fork() -> bool:
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not getattr(settings, "IMPORT_CLEAN_IN_PROCESS", False)
    )


def chunks_from_child(batch: ImportBatch, *, start: int = 0) -> Iterator[list[Row]]:
    """The batch's rows, read and cleaned in a forked process (the other core) while this
    one matches and writes; chunks of CHUNK rows. The child is stopped if we stop early."""
    context = multiprocessing.get_context("fork")
    out = context.Queue(maxsize=4)
    child = context.Process(
        target=_clean_in_child,
        args=(
            batch.file.path,
            start,
            [str(h) for h in batch.headers],
            {str(k): str(v) for k, v in batch.mapping.items()},
            out,
        ),
        name=f"import-{batch.pk}-cleaner",
        daemon=True,
    )
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise CleanerFailed("the cleaning process ended early") from None
                continue
            if item is None:
                break
            if isinstance(item, tuple):
                raise CleanerFailed(item[1])
            yield [
                Row(
                    line=line,
                    values=values,
                    tags=tags,
                    cells=cells,
                    error=error,
                    skipped=values.pop(_SKIPPED, "") if error else "",
                    opt_outs=values.pop(_OPT_OUTS, ()) if not error else (),
                    note=values.pop(_NOTE, "") if not error else "",
                )
                for line, values, tags, error, cells in item
            ]
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        out.close()


def iter_rows(batch: ImportBatch, *, start: int = 0) -> Iterator[Row]:
    """The batch's data rows, cleaned, from data row ``start`` (0-based) on."""
    table = open_sanitised_table(batch.file.path)
    clean = _cleaner(batch)
    rows = table.rows()
    if start:
        rows = itertools.islice(rows, start, None)
    for line, cells in rows:
        yield clean(line, cells)


def chunked(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk

"""manage.py import_people FILE — the import for the largest files, from the command line.

Runs the same services as the import pages (upload → mapping and options → dry run or
start), but the run itself in this process with a progress bar instead of a background
task. The consent options are the page's: ``--consent CHANNEL:PURPOSE`` (repeatable) with
``--consent-source``, ``--wording-version`` and ``--wording`` (or ``--wording-file``),
checked by the same service; a consent is confirmed only with all three. Prints the counts:
created, updated, unchanged, refused, held, opted_out (and former for a membership register
sync).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktivist.accounts.models import User
from aktivist.core.exceptions import ApplicationError
from aktivist.imports import runner, services, uploads
from aktivist.imports.models import ImportBatch
from aktivist.imports.plan import consent_is_confirmed
from aktivist.imports.selectors import access_batch
from aktivist.people.models import Consent


class Command(BaseCommand):
    help = "Import people from a CSV or XLSX file (the same rules as the import pages)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV or XLSX file")
        parser.add_argument("--mapping", help="name of a saved column mapping")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen, write nothing"
        )
        parser.add_argument(
            "--as", dest="as_email", help="staff account to import as (default: first admin)"
        )
        parser.add_argument("--unit", type=int, help="unit id the people join")
        parser.add_argument("--source", default="", help='source label, e.g. "lead form, 2026-11"')
        parser.add_argument("--tag", action="append", default=[], help="tag (repeatable)")
        # The consent options of the mapping page, checked by the same service code.
        parser.add_argument(
            "--consent",
            action="append",
            default=[],
            metavar="CHANNEL:PURPOSE",
            help="a consent people gave, e.g. email:campaigns or sms:rapid_response (repeatable;"
            f" channels: {', '.join(Consent.Channel.values)};"
            f" purposes: {', '.join(Consent.Purpose.values)})",
        )
        parser.add_argument(
            "--consent-source",
            default="",
            help='where consent was given, e.g. "sign-up sheet, street action 2026-05-14"',
        )
        parser.add_argument(
            "--wording-version", default="", help="version of the wording people agreed to"
        )
        wording = parser.add_mutually_exclusive_group()
        wording.add_argument("--wording", default="", help="the wording people agreed to")
        wording.add_argument(
            "--wording-file", help="a UTF-8 text file holding the wording people agreed to"
        )
        parser.add_argument(
            "--register-full",
            action="store_true",
            help="a full export of the membership register (members missing become former)",
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="confirm a register file that makes more than 10 %% of members former",
        )
        parser.add_argument("--resume", type=int, help="resume the failed import with this id")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:

        actor = self._actor(options["as_email"])
        try:
            if options["resume"]:
                batch = self._resume(actor, options["resume"])
            else:
                if not options["file"]:
                    raise CommandError("Give a FILE (or --resume ID).")
                path = options["file"]
                if not os.path.isfile(path):
                    raise CommandError(f"No such file: {path}")
                batch = self._import(actor, path, options)
                if batch is None:
                    return
        except ApplicationError as e:
            raise CommandError(e.message) from None
        self._print_counts(batch)
        if batch.status != ImportBatch.Status.FINISHED:
            raise CommandError(f"The import ended as {batch.status}: {batch.error}")

    # --- steps ---------------------------------------------------------------------------

    def _actor(self, email: str | None) -> Any:

        if email:
            user = User.objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise CommandError(f"No active staff account {email}.")
            return user
        user = (
            User.objects.filter(is_active=True, access_role=User.AccessRole.ADMIN)
            .order_by("pk")
            .first()
        )
        if user is None:
            raise CommandError("No active secretariat admin: create one or give --as EMAIL.")
        return user

    def _import(self, actor: Any, path: str, options: dict[str, Any]) -> Any:

        kind = (
            ImportBatch.Kind.REGISTER_FULL if options["register_full"] else ImportBatch.Kind.PEOPLE
        )
        consents = self._consents(options)  # a mistyped option stops before the upload
        batch = uploads.batch_create(
            actor=actor,
            uploaded_file=path,
            filename=os.path.basename(path),
            kind=kind,
            mapping_name=options["mapping"],
        )
        self.stdout.write(f"Batch {batch.pk}: {batch.total_rows} rows.")
        for header, field in batch.mapping.items():
            self.stdout.write(f"  {header} → {field or '(ignored)'}")
        for header in batch.dropped_columns:
            self.stdout.write(f"  {header} → dropped (personal identity numbers are never stored)")
        batch = services.batch_update_mapping(
            actor=actor,
            batch=batch,
            mapping=dict(batch.mapping),
            options={
                "unit": options["unit"],
                "tags": options["tag"],
                "source": options["source"],
                "consents": consents,
            },
        )
        for consent in batch.options.get("consents") or []:
            state = (
                "confirmed"
                if consent_is_confirmed(consent)
                else "pending (confirmed only with --consent-source, --wording-version and "
                "the wording)"
            )
            self.stdout.write(f"  consent {consent['channel']}:{consent['purpose']} → {state}")
        if options["dry_run"]:
            batch = services.batch_dry_run(actor=actor, batch=batch)
            self._print_dry_run(batch)
            return None
        batch = services.batch_start(
            actor=actor, batch=batch, confirm_register_guard=options["confirm"], enqueue=False
        )
        return self._run(batch, options["no_progress"])

    def _consents(self, options: dict[str, Any]) -> list[dict[str, str]]:
        """The consents as the mapping page sends them (forms.MappingForm.options): one
        per CHANNEL:PURPOSE, each with the same source and wording. The service
        (services._clean_options) checks them, and records them confirmed only with a
        source, a wording version and the wording's text."""
        wording = options["wording"] or ""
        if options.get("wording_file"):
            try:
                with open(options["wording_file"], encoding="utf-8") as f:
                    wording = f.read()
            except (OSError, UnicodeDecodeError):
                raise CommandError(
                    f"Cannot read the wording file {options['wording_file']} (UTF-8 text)."
                ) from None
        stated = options["consent_source"] or options["wording_version"] or wording.strip()
        if stated and not options["consent"]:
            raise CommandError(
                "Give --consent CHANNEL:PURPOSE for the consent source and wording to apply to."
            )
        consents = []
        for value in options["consent"]:
            channel, _colon, purpose = value.strip().partition(":")
            if not channel or not purpose:
                raise CommandError(
                    f"--consent {value}: give CHANNEL:PURPOSE, e.g. email:campaigns."
                )
            consents.append(
                {
                    "channel": channel,
                    "purpose": purpose,
                    "source": options["consent_source"].strip(),
                    "wording_version": options["wording_version"].strip(),
                    "wording": wording.strip(),
                }
            )
        return consents

    def _resume(self, actor: Any, batch_id: int) -> Any:
        try:
            batch = access_batch(actor, batch_id)
        except Exception:
            raise CommandError(f"No import {batch_id}.") from None
        batch = services.batch_resume(actor=actor, batch=batch, enqueue=False)
        return self._run(batch, False)

    def _run(self, batch: Any, quiet: bool) -> Any:
        # tqdm: only the command's progress bar needs it.
        import tqdm as tqdm_module
        from tqdm import tqdm

        # No monitor thread: the runner forks its cleaning process only from a process
        # without other threads.
        tqdm_module.tqdm.monitor_interval = 0
        with tqdm(
            total=batch.total_rows,
            unit="rows",
            unit_scale=True,
            disable=quiet,
            file=self.stderr._out,
            desc="Importing",
        ) as bar:
            try:
                batch = runner.run(batch, progress=bar.update)
            except Exception as error:
                batch.refresh_from_db()
                self.stderr.write(
                    f"The import failed ({type(error).__name__}); resume it with "
                    f"--resume {batch.pk}."
                )
        return batch

    # --- output --------------------------------------------------------------------------

    def _print_counts(self, batch: Any) -> None:
        self.stdout.write(f"created: {batch.created_count}")
        self.stdout.write(f"updated: {batch.updated_count}")
        self.stdout.write(f"unchanged: {batch.unchanged_count}")
        self.stdout.write(f"refused: {batch.refused_count}")
        self.stdout.write(f"held: {batch.held_count}")
        self.stdout.write(f"organisations (skipped): {batch.organisation_count}")
        self.stdout.write(f"test leads (skipped): {batch.test_lead_count}")
        self.stdout.write(f"opted_out: {batch.opted_out_count}")
        if batch.kind == "register_full":
            self.stdout.write(f"former: {batch.formered_count}")

    def _print_dry_run(self, batch: Any) -> None:
        summary = batch.dry_run
        self.stdout.write("Dry run — nothing was written.")
        for name, value in summary.get("counts", {}).items():
            self.stdout.write(f"{name}: {value}")
        skipped = summary.get("skipped_counts", {})
        self.stdout.write(f"organisations (skipped): {skipped.get('organisations', 0)}")
        self.stdout.write(f"test leads (skipped): {skipped.get('test_leads', 0)}")
        ignored = summary.get("ignored_columns", [])
        if ignored:
            self.stdout.write("Ignored columns: " + ", ".join(ignored))
        rows = summary.get("rows", [])
        if rows:
            self.stdout.write(f"First {len(rows)} rows to look at:")
            for row in rows:
                self.stdout.write(f"  line {row['line']} ({row['kind']}): {row['reason']}")

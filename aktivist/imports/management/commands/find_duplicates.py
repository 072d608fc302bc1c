"""manage.py find_duplicates: run the duplicate finder now and print its counts (no
personal data)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktivist.imports.duplicates import DEFAULT_BATCH_SIZE, REASONS, find_duplicates


class Command(BaseCommand):
    help = "Look for likely duplicate people and queue new pairs for review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows fetched and written per batch ({DEFAULT_BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 100:
            raise CommandError("--batch-size must be at least 100.")
        result = find_duplicates(batch_size=batch_size)
        reasons = ", ".join(f"{reason} {result.by_reason[reason]:,}" for reason in REASONS)
        self.stdout.write(
            self.style.SUCCESS(
                f"Looked at {result.people:,} people in {result.seconds:.1f} s: "
                f"{result.found:,} candidate pairs ({reasons}), {result.created:,} new."
            )
        )

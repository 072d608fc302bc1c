"""manage.py retention [--rule KEY] [--dry-run]: what the retention rules would remove now,
or apply them (the same code as the nightly job). Prints counts, never names."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktivist.core.retention_rules import RULES
from aktivist.privacy import retention, retention_stores


class Command(BaseCommand):
    help = "Apply the enabled retention rules, or with --dry-run show what they would remove."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", help="one rule's key (default: every rule)")
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be removed"
        )
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        key = options.get("rule")
        if key and key not in retention_stores.STORES:
            known = ", ".join(retention_stores.runnable_keys())
            raise CommandError(f"Unknown rule {key!r} (rules that run: {known})")
        keys = [key] if key else retention_stores.runnable_keys()
        stored = retention.rule_rows()
        if options["dry_run"]:
            for k in keys:
                p = retention.preview_rule(k, rule=stored[k])
                state = "on" if p.rule.enabled else "off"
                cutoff = p.cutoff.strftime("%Y-%m-%d %H:%M") if p.cutoff else "-"
                self.stdout.write(
                    f"{k}: {p.count} {p.unit} before {cutoff} "
                    f"({p.rule.days} days, switched {state})"
                )
                if p.note:
                    self.stdout.write(f"  {p.note}")
            return
        batch_size = options.get("batch_size") or retention.BATCH_SIZE
        for k in keys:
            if not stored[k].enabled:
                self.stdout.write(
                    f"{k}: switched off (an admin switches it on on the retention page)"
                )
                continue
            outcome = retention.run_rule(k, batch_size=batch_size)
            if outcome.skipped == "busy":
                self.stdout.write(f"{k}: another run is working on it; nothing done")
            elif outcome.errors:
                self.stderr.write(f"{k}: failed ({', '.join(outcome.errors)})")
            else:
                self.stdout.write(f"{k}: {outcome.processed} done ({RULES[k].label})")

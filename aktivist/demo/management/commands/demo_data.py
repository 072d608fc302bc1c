"""manage.py demo_data: a believable Swedish section to try Aktivist with.

Deterministic from --seed; --people scales to a million on PostgreSQL (COPY in chunks).
--participations N adds N participations in the demo campaigns' actions (default: four per
person, at most 200,000; up to 5,000,000 for the benchmarks).
--registrations N adds the programmes of the red thread, past and upcoming events and N
registrations for them with the completions they earn (default: one per person, at most
200,000). Everyone's engagement level is computed at the end.
--if-empty does nothing when people already exist (``make run`` loads the demo once).
Prints counts only, never personal data."""

from __future__ import annotations

import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktivist.demo.accounts import DEMO_PASSWORD, ensure_demo_two_factor
from aktivist.demo.campaigns import default_participations, load_campaign_demo
from aktivist.demo.mobilization import load_mobilization_demo
from aktivist.demo.people import load_demo_data
from aktivist.demo.programmes import default_registrations, load_programme_demo
from aktivist.demo.urgent import load_urgent_demo
from aktivist.engagement.services import recompute_all
from aktivist.lib.db import analyze
from aktivist.people.models import Person


class Command(BaseCommand):
    help = (
        "Load demo data: districts, groups, people, roles, consents, demo staff accounts, "
        "campaigns, actions and participations, programmes, events and registrations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=5000, help="how many people (5000)")
        parser.add_argument(
            "--participations",
            type=int,
            default=None,
            help="participations in the demo campaigns' actions (4 per person, at most 200,000)",
        )
        parser.add_argument(
            "--registrations",
            type=int,
            default=None,
            help="registrations for the demo events (1 per person, at most 200,000)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when people already exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # Demo people have real-looking mobiles: they must never reach a live installation.
            raise CommandError("demo_data refuses to run with AKTIVIST_PRODUCTION set.")
        people = options["people"]
        if people < 1:
            raise CommandError("--people must be at least 1.")
        participations = options["participations"]
        if participations is None:
            participations = default_participations(people)
        if participations < 0:
            raise CommandError("--participations must not be negative.")
        registrations = options["registrations"]
        if registrations is None:
            registrations = default_registrations(people)
        if registrations < 0:
            raise CommandError("--registrations must not be negative.")
        if Person.objects.exists():
            if options["if_empty"]:
                self.stdout.write("People already exist; demo data not loaded.")
                if given := ensure_demo_two_factor():
                    self.stdout.write(f"Two-factor set up for {given} demo account(s).")
                return
            raise CommandError(
                "People already exist. demo_data only fills an empty database "
                "(use --if-empty to skip quietly)."
            )
        self.stdout.write(f"Loading demo data: {people:,} people, seed {options['seed']} …")
        summary = load_demo_data(
            people=people, seed=options["seed"], out=lambda line: self.stdout.write(line)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {summary.seconds:.1f} s: {summary.people:,} people "
                f"({summary.members:,} members, {summary.former_members:,} former members, "
                f"{summary.young:,} aged 15–25), {summary.units:,} units, "
                f"{summary.memberships:,} memberships, {summary.roles:,} roles "
                f"({summary.ended_roles:,} ended), {summary.taggings:,} tags, "
                f"{summary.consents:,} consents, {summary.interactions:,} interactions "
                f"({summary.follow_ups:,} follow-ups)."
            )
        )
        campaigns = load_campaign_demo(
            participations=participations,
            seed=options["seed"],
            out=lambda line: self.stdout.write(line),
        )
        if not campaigns.skipped:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo campaigns loaded in {campaigns.seconds:.1f} s: "
                    f"{campaigns.priorities} priorities, {campaigns.campaigns} campaigns, "
                    f"{campaigns.actions} actions, {campaigns.participations:,} participations "
                    f"({campaigns.named:,} named, {campaigns.young:,} by signers aged 13–25)."
                )
            )
        self._programmes(registrations, options["seed"])
        self._engagement()
        self._mobilization(options["seed"])
        # A bulk load: the planner's statistics follow it (autovacuum may be off or late).
        analyze(*apps.get_models())
        self.stdout.write(
            f"Demo staff accounts use the password {DEMO_PASSWORD!r}; "
            "`manage.py demo_logins` prints them with their two-factor codes."
        )

    def _programmes(self, registrations: int, seed: int) -> None:
        summary = load_programme_demo(
            registrations=registrations, seed=seed, out=lambda line: self.stdout.write(line)
        )
        if summary.skipped:
            return
        statuses = ", ".join(
            f"{count:,} {status}" for status, count in sorted(summary.by_status.items())
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo programmes loaded in {summary.seconds:.1f} s: {summary.programmes} "
                f"programmes, {summary.events:,} events ({summary.past_events:,} past, "
                f"{summary.upcoming_events:,} upcoming; {summary.young_events:,} for young "
                f"people, {summary.online_events:,} online, {summary.full_events:,} full), "
                f"{summary.registrations:,} registrations ({statuses}), "
                f"{summary.completions:,} completed programmes, {summary.schools:,} schools."
            )
        )

    def _mobilization(self, seed: int) -> None:
        load_mobilization_demo(
            seed=seed, out=lambda line: self.stdout.write(self.style.SUCCESS(line))
        )
        load_urgent_demo(out=lambda line: self.stdout.write(self.style.SUCCESS(line)))

    def _engagement(self) -> None:
        """Everyone's level on the ladder: the demo's bulk writes send no signals."""
        started = time.monotonic()
        result = recompute_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Engagement levels computed in {time.monotonic() - started:.1f} s "
                f"({result.changed:,} levels set)."
            )
        )

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from aktivist.core.schedule import run_due_jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs (nightly, hourly, monthly) once per period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")

    def handle(
        self, *args: Any, once: bool = False, interval: float = 30.0, **options: Any
    ) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("scheduler started")
        while True:
            enqueued = run_due_jobs()
            if enqueued:
                self.stdout.write(f"enqueued: {', '.join(enqueued)}")
            if once or stopping:
                return
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.5)
                slept += 0.5
            if stopping:
                return

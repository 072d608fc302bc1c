"""Wall and CPU seconds per phase of an import run (the benchmark and the logs)."""

from __future__ import annotations

import time
from collections import defaultdict


class Phases:
    """Wall and CPU seconds (of the thread) per phase of a run, for the benchmark and the
    logs; the writer thread's phases are named "w.…"."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        self._name = ""
        self._wall = self._cpu = 0.0

    def start(self, name: str) -> None:
        now_wall, now_cpu = time.perf_counter(), time.thread_time()
        if self._name:
            entry = self.seconds[self._name]
            entry[0] += now_wall - self._wall
            entry[1] += now_cpu - self._cpu
        self._name, self._wall, self._cpu = name, now_wall, now_cpu

    def stop(self) -> None:
        self.start("")
        self._name = ""

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            name: {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
            for name, (wall, cpu) in self.seconds.items()
            if name
        }


def no_phase(name: str) -> None:
    return None

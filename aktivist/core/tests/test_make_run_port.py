"""`PORT=8001 make run` serves on that port: the Procfile's web process listens on the PORT
honcho hands it (by default 8000, as the README says), and the Makefile passes PORT on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HONCHO = Path(sys.executable).with_name("honcho")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_web_process_listens_on_the_port_given_in_PORT(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AKTIVIST_PRODUCTION": "false",
        # A database of its own: the web process starts whatever the suite runs on.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
    }
    log = tmp_path / "honcho.log"
    with log.open("wb") as output:
        web = subprocess.Popen(  # our own honcho and Procfile
            [str(HONCHO), "start", "web"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            assert web.poll() is None, f"the web process stopped: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.25)
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)


def make_run_environment(**env: str) -> str:
    """What `make run` hands its commands (PORT, SITE_URL), without running any of them: a
    probe target is added to run's prerequisites and alone executed (`+`) under `make -n`."""
    probe = 'run: h8probe\nh8probe:\n\t+@echo "probe $$PORT $$SITE_URL"'
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL", "MAKEFLAGS")}
    done = subprocess.run(  # our own Makefile
        ["make", "-n", "-o", "demo", f"--eval={probe}", "run"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return next(line for line in done.stdout.splitlines() if line.startswith("probe "))


def test_make_run_hands_its_PORT_on_and_the_links_follow_it():
    assert make_run_environment() == "probe 8000 http://127.0.0.1:8000"
    assert make_run_environment(PORT="8123") == "probe 8123 http://127.0.0.1:8123"

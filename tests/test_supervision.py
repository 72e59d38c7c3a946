"""Supervision: scripts/supervise.py (used by `make run`) restarts a crashed server and stops
with it; the systemd units shipped for production restart each process on failure."""

from __future__ import annotations

import configparser
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.servers import ROOT, wait_until

UNITS = ROOT / "deploy" / "systemd"


def test_a_crashed_server_is_restarted_and_stops_with_the_supervisor(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    child = (
        "import pathlib, sys, time\n"
        f"p = pathlib.Path({str(starts)!r})\n"
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        "if len(p.read_text()) < 3: sys.exit(1)\n"
        "time.sleep(600)\n"
    )
    supervisor = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "supervise.py"), "demo", "--"]
        + [sys.executable, "-c", child],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: starts.exists() and len(starts.read_text()) == 3, 30, "restarts")
        time.sleep(0.5)
        assert supervisor.poll() is None
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=20)
    assert supervisor.stderr is not None
    restarts = [line for line in supervisor.stderr.read().splitlines() if "restarting" in line]
    assert len(restarts) == 2 and "demo stopped (exit status 1)" in restarts[0]


def test_one_unit_per_process_restarts_on_failure() -> None:
    commands = {
        "bot-actions.service": "-m bot.serve run actions",
        "bot-rasa.service": "-m bot.serve run --model",
        "bot-console.service": "-m bot.console.app",
    }
    for name, command in commands.items():
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # type: ignore[assignment]
        unit.read(UNITS / name, encoding="utf-8")
        service = unit["Service"]
        assert service["Restart"] == "on-failure"
        assert command in service["ExecStart"]
        assert service["EnvironmentFile"] == "/etc/dvc-assistant/bot.env"
        assert unit["Install"]["WantedBy"] == "multi-user.target"
    settings = (UNITS / "bot.env.example").read_text(encoding="utf-8")
    for variable in ("RASA_PORT", "ACTIONS_PORT", "CONSOLE_PORT", "RASA_ENDPOINTS"):
        assert f"{variable}=" in settings

"""`partnerbot serve` starts, answers health checks and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PARTNERBOT_PORT": str(port),
        "PARTNERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import main; main()", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    body = response.read().decode()
            except OSError:
                time.sleep(0.2)
        assert body == '{"status": "ok", "database": "ok"}'
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, err = proc.communicate()
    assert "Traceback" not in err


def _serve_log(tmp_path: Path, *args: str, **env_vars: str) -> str:
    """Start `serve`, wait until it has said what it runs, stop it; its log."""
    env = {
        **os.environ,
        "PARTNERBOT_PORT": str(free_port()),
        "PARTNERBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db",
        **env_vars,
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", "serve", *args],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "sender:" not in log.read_text():
                time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    return log.read_text()


UNREACHABLE = "http://127.0.0.1:9"  # nothing listens there: start-up warns, and serve runs on


def test_serve_says_what_it_runs_and_no_warning_nobody_can_act_on(tmp_path: Path) -> None:
    log = _serve_log(
        tmp_path,
        "--telegram-polling",
        "--no-scheduler",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=UNREACHABLE + "/api/",
        TELEGRAM_BOT_TOKEN="1:abc",
        TELEGRAM_API_URL=UNREACHABLE,
    )
    assert "database: SQLite" in log
    assert "Slack: on, events at /slack/events" in log
    assert "Telegram: on, polling" in log
    assert "scheduler: off (--no-scheduler)" in log and "sender: on" in log
    # Library noise: bolt's "token will be unused" (it reads the variable our client already carries),
    # the webhook secret (irrelevant under polling), PTB's retry_after deprecation, SDK retry chatter.
    for noise in ("will be unused", "TELEGRAM_WEBHOOK_SECRET", "Deprecat", "retry handler found", "Traceback"):
        assert noise not in log


def test_serve_names_what_is_off_and_why(tmp_path: Path) -> None:
    log = _serve_log(tmp_path, "--no-sender", TELEGRAM_BOT_TOKEN="1:abc", TELEGRAM_API_URL=UNREACHABLE)
    assert "Slack: off (SLACK_BOT_TOKEN is not set)" in log
    assert "Telegram: on, webhook at /telegram/webhook" in log
    assert "TELEGRAM_WEBHOOK_SECRET is not set" in log  # under a webhook, a warning to act on
    assert "sender: off (--no-sender)" in log

"""Shared fixtures: a real knowledge base on SQLite and, for end-to-end tests, real servers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.servers import MODEL, ROOT, Servers

# Questions as citizens type them: accented, unaccented, teencode.
QUESTIONS = [
    "đăng ký khai sinh cần giấy tờ gì",
    "dang ky khai sinh can gi",
    "lam cccd can j vay",
    "nộp online dc ko",
    "cảm ơn",
]


@pytest.fixture(scope="session", autouse=True)
def _knowledge_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test process uses its own SQLite file, never the developer's var/ database."""
    path = tmp_path_factory.mktemp("kb") / "knowledge.db"
    os.environ["KNOWLEDGE_DB_URL"] = f"sqlite:///{path}"
    yield


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def trained_agent() -> object:
    """The trained model, loaded in this process with the runtime fixes applied."""
    from rasa.core.agent import Agent

    from bot import runtime

    runtime.install()
    return Agent.load(str(MODEL))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (installed by `make system-deps`).

    Per module: Playwright's sync API keeps an event loop running in the main thread while it is
    open, which would break every async test collected after a browser test.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def start_servers(tmp_path_factory: pytest.TempPathFactory, name: str, **extra_env: str) -> Servers:
    """Start the real servers in a fresh folder, with their own knowledge database."""
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz is missing: run `make train` (make test does)")
    workdir = tmp_path_factory.mktemp(name)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3", **extra_env)
    env["KNOWLEDGE_DB_URL"] = f"sqlite:///{workdir / 'knowledge.db'}"
    running = Servers(workdir, env)
    running.knowledge_db_url = env["KNOWLEDGE_DB_URL"]
    return running


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The real servers, started once for the session (needs `make train` first)."""
    running = start_servers(tmp_path_factory, "servers")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def platforms() -> Iterator[tuple]:
    """Fake Zalo OA and Messenger APIs on 127.0.0.1: (zalo, messenger)."""
    from tests.platforms import FakeMessenger, FakeZalo

    zalo, messenger = FakeZalo().start(), FakeMessenger().start()
    yield zalo, messenger
    zalo.stop()
    messenger.stop()


@pytest.fixture(scope="session")
def channel_servers(
    tmp_path_factory: pytest.TempPathFactory, platforms: tuple
) -> Iterator[Servers]:
    """The real servers with the Zalo and Messenger channels on, talking to the fake platforms."""
    from tests.platforms import environment

    running = start_servers(tmp_path_factory, "channel_servers", **environment(*platforms))
    yield running
    running.stop()


BRIDGE_TOKEN = "test-bridge-token-0123456789"


@pytest.fixture(scope="session")
def handoff_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The real servers with live handoff on (bridge secret set) and staff always on duty."""
    running = start_servers(
        tmp_path_factory,
        "handoff_servers",
        STAFF_BRIDGE_TOKEN=BRIDGE_TOKEN,
        PROVINCE_PROFILE=str(ROOT / "tests" / "fixtures" / "provinces" / "tinh-luon-mo.yml"),
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A PostgreSQL server of Debian's package on 127.0.0.1 (`make system-deps` installs it)."""
    from tests.services import PostgreSQL

    server = PostgreSQL(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A Redis server of Debian's package on 127.0.0.1 (`make system-deps` installs it)."""
    from tests.services import Redis

    server = Redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()

"""Stores start on a SQLite file another process is writing (the action server loading the
catalogue while Rasa creates its Zalo token table): they wait for the write lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from bot.channels.zalo_tokens import Base as TokenTables
from knowledge.store import create_tables, make_engine


def test_tables_are_created_after_another_writer_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "knowledge.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE loading (n INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO loading VALUES (1)")
    release = threading.Timer(2.0, lambda: writer.execute("COMMIT"))
    release.start()
    engine = make_engine(f"sqlite:///{path}")
    create_tables(TokenTables.metadata, engine)  # waits instead of "database is locked"
    release.join()
    assert not release.is_alive()
    with engine.connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert "zalo_oa_token" in tables

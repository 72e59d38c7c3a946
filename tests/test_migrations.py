"""The Alembic migrations build exactly the schema the models describe, on PostgreSQL."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from deploy.migrations.schema import METADATA
from tests.servers import ROOT

pytestmark = pytest.mark.cluster


def _alembic(url: str, *args: str) -> subprocess.CompletedProcess:
    alembic = Path(sys.executable).parent / "alembic"
    env = dict(os.environ, KNOWLEDGE_DB_URL=url, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [str(alembic), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def test_upgrade_head_builds_the_models_schema(postgres) -> None:  # noqa: ANN001
    postgres.sql("CREATE DATABASE migrated OWNER bot")
    url = postgres.url.rsplit("/", 1)[0] + "/migrated"
    _alembic(url, "upgrade", "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), METADATA)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert differences == []
    assert {table for metadata in METADATA for table in metadata.tables} <= tables


def test_downgrade_base_removes_every_table(postgres) -> None:  # noqa: ANN001
    postgres.sql("CREATE DATABASE downgraded OWNER bot")
    url = postgres.url.rsplit("/", 1)[0] + "/downgraded"
    _alembic(url, "upgrade", "head")
    _alembic(url, "downgrade", "base")
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert tables == {"alembic_version"}


def test_every_model_of_the_project_is_migrated() -> None:
    """Each module defining a declarative base has its tables in the migrations."""
    declared = []
    for folder in ("bot", "knowledge", "actions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "declarative_base()" in path.read_text(encoding="utf-8"):
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                declared.append(importlib.import_module(module).Base.metadata)
    assert declared and all(any(m is d for m in METADATA) for d in declared)

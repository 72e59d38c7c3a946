"""The knowledge base: a SQL database of procedures and the search index built over it."""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple, Union
from urllib.parse import quote

import yaml
from sqlalchemy import MetaData, create_engine, event, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from knowledge import catalogue
from knowledge.curated import CURATED_DIR, read_curated, to_model
from knowledge.models import Base, Case, Document, Procedure
from knowledge.query import about_words
from knowledge.search import IndexEntry, ProcedureIndex, SearchHit
from knowledge.text.normalize import fold

DEFAULT_DB_URL = "sqlite:///" + str(Path(__file__).resolve().parent.parent / "var" / "knowledge.db")


def database_url() -> str:
    """The database URL: ``KNOWLEDGE_DB_URL`` or the embedded SQLite file."""
    return os.environ.get("KNOWLEDGE_DB_URL", DEFAULT_DB_URL)


WRITE_LOCK_OPTION = "sqlite_write_lock"
WAIT_OPTION = "sqlite_wait_ms"
READ_WAIT_MS = 1000
WRITE_WAIT_MS = 5000
# Loading the catalogue at start: the action server and the console load into one SQLite file at
# the same start, and the second waits for the first instead of failing.
LOAD_WAIT_MS = 120_000


WRITE_LOCK_KEY = 0x626F74  # PostgreSQL advisory lock taken by such transactions ("bot")


def lock_for_writing(session: Session, wait_ms: int = WRITE_WAIT_MS) -> None:
    """Start the session's transaction holding SQLite's write lock, for a transaction that
    reads, then writes what it read: otherwise a concurrent writer makes its first write fail at
    once with "database is locked"; it waits up to ``wait_ms`` for another writer. On PostgreSQL
    the transaction holds an advisory lock until it ends, so such transactions of every process
    (a cluster's) run one at a time, as on SQLite."""
    session.connection(execution_options={WRITE_LOCK_OPTION: True, WAIT_OPTION: wait_ms})


def sqlite_file(path: Path) -> str:
    """The SQLite URI of ``path`` (to open with ``mode=rw``: read-write, never created).

    The file is created here, on the very first use only: beside it a mark
    (``.NAME.created``) records that it existed, and a file missing after that (moved away,
    deleted while the servers run or before one restarts) stays missing, an error for its
    stores, never a new empty database. Remove the mark to start again from an empty one.
    """
    created = path.with_name(f".{path.name}.created")
    if not path.exists() and not created.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()
    if path.exists():
        created.touch()
    return f"file:{quote(str(path))}"


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, its folder created and working savepoints.

    A SQLite file is created on its first use only (``sqlite_file``); connections open it
    read-write and never create it, so a database moved away is an error, not a new empty one.
    """
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        parsed = make_url(url)
        read_write = {**parsed.query, "mode": "rw", "uri": "true"}
        url = parsed.set(database=sqlite_file(Path(parsed.database or "")), query=read_write)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _enable_foreign_keys(connection, _record) -> None:  # type: ignore[no-untyped-def]
            connection.execute("PRAGMA foreign_keys=ON")
            # pysqlite delays BEGIN to the first write, so a SAVEPOINT would start (and its
            # RELEASE commit) the transaction: SQLAlchemy emits BEGIN itself instead.
            connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:  # type: ignore[no-untyped-def]
            options = connection.get_execution_options()
            immediate = options.get(WRITE_LOCK_OPTION)
            # A locked database: a reader gives up at once (the citizen is answered politely),
            # a writer waits a little for the other writer (a start-time load, long).
            wait_ms = options.get(WAIT_OPTION, WRITE_WAIT_MS if immediate else READ_WAIT_MS)
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _advisory_lock(connection) -> None:  # type: ignore[no-untyped-def]
            if connection.get_execution_options().get(WRITE_LOCK_OPTION):
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    return engine


def create_tables(metadata: MetaData, engine: Engine) -> None:
    """Create a store's missing tables at start, waiting for another process that holds SQLite's
    write lock meanwhile (the action server loading the catalogue into the same file)."""
    with engine.connect() as connection:
        # BEGIN IMMEDIATE: a deferred transaction that read the schema could not wait for
        # the write lock (SQLite answers "locked" at once rather than risk a deadlock)
        connection.execution_options(**{WRITE_LOCK_OPTION: True, WAIT_OPTION: LOAD_WAIT_MS})
        with connection.begin():
            metadata.create_all(connection)


def add_missing_columns(engine: Engine) -> None:
    """Add the columns the models gained since a database was created (as nullable columns:
    the rows already there have none of the new facts)."""
    quote = engine.dialect.identifier_preparer.quote
    with (
        engine.connect() as connection,
        connection.execution_options(
            **{WRITE_LOCK_OPTION: True, WAIT_OPTION: LOAD_WAIT_MS}
        ).begin(),
    ):
        inspector = inspect(connection)
        for table in Base.metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(engine.dialect)
                    connection.exec_driver_sql(
                        f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"
                    )


# Who files a procedure, as the records say (đối tượng thực hiện): a person. A procedure only
# organisations file ("Thành lập Văn phòng công chứng", the provincial twin of a commune-level
# land procedure) ranks a little lower for citizens' questions; curated procedures, and
# records that name no subjects, rank as they are.
PEOPLE = frozenset(
    {
        "Công dân Việt Nam",
        "Người Việt Nam định cư ở nước ngoài",
        "Người nước ngoài",
        "Người nước ngoài cư trú tại Việt Nam",
        "Người nước ngoài đã cư trú tại Việt Nam",
        "Công dân Việt Nam mà không xác định được nơi thường trú hoặc nơi tạm trú",
    }
)
ORGANISATIONS_ONLY = 0.85
OTHER_FIELD = 0.85  # a field people rarely file in (see data/citizen_fields.yml)
CITIZEN_FIELDS_FILE = Path(__file__).resolve().parent / "data" / "citizen_fields.yml"
MAX_DOCUMENT_WORDS = 16  # longer "names" of documents are explanations


@lru_cache(maxsize=1)
def citizen_fields() -> FrozenSet[str]:
    """The fields in which people file their own procedures, accent-folded."""
    listed = yaml.safe_load(CITIZEN_FIELDS_FILE.read_text(encoding="utf-8"))["citizen_fields"]
    return frozenset(fold(name).strip() for name in listed)


def citizen_prior(origin: str, subjects: Iterable[str], field: Optional[str] = None) -> float:
    """The search prior of a procedure: lower when only organisations file it, and lower when
    its field is not one people file in; curated procedures rank as they are."""
    if origin == "curated":
        return 1.0
    subjects = set(subjects)
    prior = 1.0 if not subjects or subjects & PEOPLE else ORGANISATIONS_ONLY
    if field and fold(field).strip() not in citizen_fields():
        prior *= OTHER_FIELD
    return prior


def _distinct_names(names: Iterable[str]) -> Tuple[str, ...]:
    """Document and result names, each once, short enough to name something."""
    kept: Dict[str, None] = {}
    for name in names:
        name = " ".join(str(name).split())
        if name and len(name.split()) <= MAX_DOCUMENT_WORDS:
            kept.setdefault(name, None)
    return tuple(kept)


class KnowledgeBase:
    """Procedures in SQL, searched through an in-memory index rebuilt after each load."""

    def __init__(self, engine: Engine, build_index: bool = True) -> None:
        self.engine = engine
        create_tables(Base.metadata, engine)
        add_missing_columns(engine)
        for table in Base.metadata.sorted_tables:  # indexes added since a database was created
            for table_index in table.indexes:
                table_index.create(engine, checkfirst=True)
        self._sessions = sessionmaker(engine, expire_on_commit=False, future=True)
        self.index = ProcedureIndex([])
        self._procedures: Dict[str, Optional[Procedure]] = {}
        if build_index:
            self.reindex()

    @classmethod
    def open(
        cls,
        url: Optional[str] = None,
        curated_dir: Path = CURATED_DIR,
        snapshot: Union[bool, Path] = True,
    ) -> KnowledgeBase:
        """Open the database, load the curated files and the catalogue snapshot into it (the
        configured one when ``snapshot`` is True, none when False), then build the index."""
        knowledge = cls(make_engine(url or database_url()), build_index=False)
        knowledge.load_curated(curated_dir, reindex=False)
        path = catalogue.configured_snapshot() if snapshot is True else snapshot or None
        if path is not None:
            knowledge.load_snapshot(path, reindex=False)
        knowledge.reindex()
        return knowledge

    def session(self) -> Session:
        """A new ORM session."""
        return self._sessions()

    def load_curated(self, directory: Path = CURATED_DIR, reindex: bool = True) -> int:
        """Replace the curated procedures with the files' content; returns how many were loaded."""
        records = (to_model(record) for record in read_curated(directory))
        return self.replace(records, reindex, wait_ms=LOAD_WAIT_MS)

    def load_snapshot(self, path: Path, reindex: bool = True) -> int:
        """Load a catalogue snapshot (``knowledge.catalogue.load``); returns how many
        procedures were written (0 when this file is loaded already)."""
        with self.session() as session, session.begin():
            lock_for_writing(
                session, LOAD_WAIT_MS
            )  # a concurrent start waits, then finds it loaded
            count = catalogue.load(session, path)
        if reindex:
            self.reindex()
        return count

    def replace(
        self, procedures: Iterable[Procedure], reindex: bool = True, wait_ms: int = WRITE_WAIT_MS
    ) -> int:
        """Insert or replace procedures (with their cases and channels) in one transaction."""
        count = 0
        with self.session() as session, session.begin():
            # reads, then writes what it read; processes starting together load the same records
            lock_for_writing(session, wait_ms)
            for procedure in procedures:
                existing = session.get(Procedure, procedure.code)
                if existing is not None:
                    session.delete(existing)
                    session.flush()
                session.add(procedure)
                count += 1
        if reindex:
            self.reindex()
        return count

    def reindex(self) -> None:
        """Rebuild the search index from the database (and forget cached records)."""
        self._procedures.clear()
        with self.session() as session:
            rows = session.execute(
                select(
                    Procedure.code,
                    Procedure.name,
                    Procedure.short_name,
                    Procedure.aliases,
                    Procedure.keywords,
                    Procedure.levels,
                    Procedure.field,
                    Procedure.agency,
                    Procedure.subjects,
                    Procedure.origin,
                    Procedure.results,
                ).order_by(Procedure.code)
            ).all()
            documents: Dict[str, List[str]] = defaultdict(list)
            named = select(Case.procedure_code, Document.name).join(
                Document, Document.case_id == Case.id
            )
            for code, document in session.execute(named):
                documents[code].append(document)
        self.index = ProcedureIndex(
            IndexEntry(
                row.code,
                row.name,
                row.short_name,
                tuple(row.aliases or ()),
                _naming_keywords(row.keywords or ()),
                tuple(row.levels or ()),
                row.field,
                row.agency,
                citizen_prior(row.origin, row.subjects or (), row.field),
                _distinct_names([*(row.results or ()), *documents[row.code]]),
            )
            for row in rows
        )

    def search(self, query: str, limit: int = 5, **options: float) -> List[SearchHit]:
        """Ranked procedures for a free-text query (options: see ``ProcedureIndex.search``)."""
        return self.index.search(query, limit=limit, **options)

    def procedure(self, code: str) -> Optional[Procedure]:
        """A procedure with its cases, documents and channels, detached from the session.

        Records are cached until the next load; treat them as read-only.
        """
        if code not in self._procedures:
            with self.session() as session:
                self._procedures[code] = session.get(Procedure, code)
        return self._procedures[code]


def _naming_keywords(keywords: Iterable[str]) -> Tuple[str, ...]:
    """The keywords that say what a procedure is about: "làm lại", "chấm dứt" or "hư hỏng" alone
    say only what is done, and would match any letter that says "phải làm lại"."""
    return tuple(k for k in keywords if about_words(k))

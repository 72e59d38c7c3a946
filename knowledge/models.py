"""SQLAlchemy models of the procedure knowledge base."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

ONLINE_LEVELS = ("toan_trinh", "mot_phan", "khong", "chua_ro")
METHODS = ("online", "direct", "postal")
TIME_UNITS = ("working_day", "day", "hour", "month", "other")
# Where a procedure's facts come from: a curated file (wins), an import the deployment ran, or
# the catalogue snapshot shipped in the repository (knowledge/data/catalogue/).
ORIGINS = ("curated", "imported", "snapshot")


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) and its facts."""

    __tablename__ = "procedure"

    code = Column(String(32), primary_key=True)
    name = Column(Text, nullable=False)
    short_name = Column(Text, nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    keywords = Column(JSON, nullable=False, default=list)
    field = Column(Text)
    levels = Column(JSON, nullable=False, default=list)
    agency = Column(Text)
    subjects = Column(JSON, nullable=False, default=list)  # đối tượng thực hiện
    where_to_submit = Column(Text)
    online_level = Column(String(16), nullable=False, default="chua_ro")
    online_basis = Column(Text)
    legacy_level = Column(Text)
    portal_url = Column(Text)
    legal_basis = Column(JSON, nullable=False, default=list)
    results = Column(JSON, nullable=False, default=list)
    conditions = Column(Text)
    missing = Column(JSON, nullable=False, default=list)
    curation_notes = Column(JSON, nullable=False, default=list)
    # Curated fee amounts (groups with their legal basis, source, validity dates and exempt
    # cases), processing times by case, and a note on the times; see knowledge/SCHEMA.md.
    fee_schedule = Column(JSON, nullable=False, default=list)
    case_times = Column(JSON, nullable=False, default=list)
    time_note = Column(Text)
    source_url = Column(Text, nullable=False)
    source_dataset = Column(Text)
    checked = Column(Date, nullable=False)
    origin = Column(String(16), nullable=False, default="curated")  # see ORIGINS
    loaded_at = Column(DateTime)

    cases = relationship(
        "Case", order_by="Case.position", cascade="all, delete-orphan", lazy="selectin"
    )
    channels = relationship(
        "Channel",
        order_by="Channel.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class Case(Base):
    """A case (trường hợp) of a procedure with its own list of documents."""

    __tablename__ = "procedure_case"

    id = Column(Integer, primary_key=True)
    procedure_code = Column(
        ForeignKey("procedure.code", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)

    documents = relationship(
        "Document",
        order_by="Document.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class Document(Base):
    """A document (thành phần hồ sơ) of a case."""

    __tablename__ = "document"

    id = Column(Integer, primary_key=True)
    case_id = Column(
        ForeignKey("procedure_case.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    originals = Column(Integer)
    copies = Column(Integer)
    form = Column(Text)
    required = Column(Boolean, nullable=False, default=True)
    note = Column(Text)


class Channel(Base):
    """A submission channel (online, in person, post) with its processing time and fee."""

    __tablename__ = "channel"

    id = Column(Integer, primary_key=True)
    procedure_code = Column(
        ForeignKey("procedure.code", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)
    method = Column(String(16), nullable=False)
    time_value = Column(Float)
    time_unit = Column(String(16))
    time_text = Column(Text)
    fee_amount = Column(Integer)
    fee_text = Column(Text)
    note = Column(Text)


class SourceRecord(Base):
    """An official record an import read for a procedure: where, its content hash and when.

    ``applied`` marks the record whose facts the procedure holds; a curated procedure keeps its
    own facts, and its official records are kept only to notice when the official data changes.
    """

    __tablename__ = "source_record"
    __table_args__ = (UniqueConstraint("procedure_code", "kind", "path"),)

    id = Column(Integer, primary_key=True)
    procedure_code = Column(String(32), nullable=False, index=True)
    kind = Column(String(24), nullable=False)  # format, e.g. "portal_api_detail", "xlsx_list"
    path = Column(Text, nullable=False)  # the file, absolute
    location = Column(String(32))  # "line 12", "row 7"; null for a one-record file
    content_hash = Column(String(64), nullable=False)  # sha256 of the record as read
    applied = Column(Boolean, nullable=False, default=False)
    imported_at = Column(DateTime, nullable=False)  # first read with this content
    changed_at = Column(DateTime)  # the import that last found different content


class CatalogueLoad(Base):
    """The catalogue snapshot a database holds: which file, its digest and when it was loaded,
    so a start with the same snapshot loads nothing."""

    __tablename__ = "catalogue_load"

    path = Column(Text, primary_key=True)  # the snapshot file, as configured
    digest = Column(String(64), nullable=False)  # sha256 of the file's bytes
    records = Column(Integer, nullable=False)  # procedures the snapshot holds
    loaded_at = Column(DateTime, nullable=False)

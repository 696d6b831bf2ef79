"""Database schema of the portal (SQLAlchemy Core), shared by every portal module.

One ``MetaData`` for SQLite and PostgreSQL alike. Times are stored as
timezone-aware UTC ``DateTime``; hashes as lowercase hex strings.

Privacy: patient attributes live only in ``studies``/``series``/``instances``
(needed for listing); codes and the birth dates bound to them are stored
hashed; the ``audit`` table never holds patient data.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True),
    # 4 characters, case-sensitive ("bM1X" and "BM1X" are different communities).
    Column("code", String(4), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # Name lowercased with accents removed, for searching ("saarbrucken").
    Column("name_folded", String(200), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(400), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id", ondelete="CASCADE"),
           primary_key=True),
)

# Bearer tokens for a logged-in user (kind "user") or a redeemed access code (kind "code").
tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("code_id", Integer, ForeignKey("access_codes.id", ondelete="CASCADE")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# Content-addressed storage: one row per distinct instance/document file on disk.
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A study as received by one community (the same Study Instance UID sent to two
# communities gives two rows; sent twice to the same community, one row).
studies = Table(
    "studies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", Integer, ForeignKey("communities.id", ondelete="CASCADE"),
           nullable=False),
    Column("study_instance_uid", String(64), nullable=False),
    Column("sender_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("imported_at", DateTime(timezone=True)),
    Column("note", Text),
    Column("patient_name", String(200)),
    Column("patient_id", String(64)),
    Column("patient_birth_date", String(8)),
    Column("patient_sex", String(16)),
    Column("study_date", String(8)),
    Column("study_time", String(16)),
    Column("study_description", String(200)),
    Column("accession_number", String(64)),
    Column("modalities", String(200)),  # backslash-separated, as in DICOM
    Column("instance_count", Integer, nullable=False, default=0),
    Column("bytes", BigInteger, nullable=False, default=0),
    UniqueConstraint("community_id", "study_instance_uid", name="uq_study_per_community"),
)

series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("series_instance_uid", String(64), nullable=False),
    Column("series_number", Integer),
    Column("modality", String(16)),
    Column("series_description", String(200)),
    UniqueConstraint("study_id", "series_instance_uid", name="uq_series_per_study"),
)

instances = Table(
    "instances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("series_id", Integer, ForeignKey("series.id", ondelete="CASCADE"), nullable=False),
    Column("sop_instance_uid", String(64), nullable=False),
    Column("sop_class_uid", String(64), nullable=False),
    Column("transfer_syntax_uid", String(64)),
    Column("instance_number", Integer),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    UniqueConstraint("series_id", "sop_instance_uid", name="uq_instance_per_series"),
)

# PDF documents (e.g. signed consent) that came with a study.
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("size", BigInteger, nullable=False),
)

access_codes = Table(
    "access_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    # HMAC-SHA256 of the normalised code (12 characters, upper case, no dashes).
    Column("code_hash", String(64), nullable=False, unique=True),
    # Salted slow hash of the birth date (YYYYMMDD) the code is bound to.
    Column("birth_date_hash", String(400), nullable=False),
    Column("created_by_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("lockouts", Integer, nullable=False, default=0),
)

code_studies = Table(
    "code_studies",
    metadata,
    Column("code_id", Integer, ForeignKey("access_codes.id", ondelete="CASCADE"),
           primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
)

# tus uploads; the bytes live in DATA/uploads/<id>.
uploads = Table(
    "uploads",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("community_id", Integer, ForeignKey("communities.id", ondelete="CASCADE"),
           nullable=False),
    Column("length", BigInteger),  # None while Upload-Defer-Length is in force
    Column("offset", BigInteger, nullable=False, default=0),
    Column("metadata", JSON, nullable=False, default=dict),
    Column("state", String(16), nullable=False),  # uploading, ingesting, done, rejected
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("completed_at", DateTime(timezone=True)),
    Column("receipt", JSON),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="SET NULL")),
)

# Audit log: who did what, when, from where. Never patient data.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("event", String(40), nullable=False),
    Column("user_id", Integer),
    Column("code_id", Integer),
    Column("client", String(64)),
    Column("detail", JSON),
)

Index("ix_instances_sop", instances.c.sop_instance_uid)

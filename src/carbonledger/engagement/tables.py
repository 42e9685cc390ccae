"""Tables of engagement: the operator's settings, check-ins, the quiz bank and answers,
volunteer events and their sign-ups. Points paid are the ledger's transfers; these rows say
what was due and what was paid, so a short budget is visible afterwards."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from carbonledger.db import UTCDateTime, metadata

engagement_settings = Table(
    "engagement_settings",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(64)),
)

check_ins = Table(
    "check_ins",
    metadata,
    Column("citizen_id", String(26), ForeignKey("citizens.id"), primary_key=True),
    # The citizen's local day: the primary key is what allows one check-in a day.
    Column("day", Date, primary_key=True),
    Column("streak", Integer, nullable=False),
    Column("points_due", BigInteger, nullable=False),
    Column("points_paid", BigInteger, nullable=False),
    Column("checked_in_at", UTCDateTime, nullable=False),
)

quiz_questions = Table(
    "quiz_questions",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("prompt_zh", Text, nullable=False),
    Column("prompt_en", Text, nullable=False),
    Column("choices_zh", JSON, nullable=False),
    Column("choices_en", JSON, nullable=False),
    Column("answer", SmallInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime),
    CheckConstraint("status IN ('active', 'retired')", name="status"),
)

quiz_answers = Table(
    "quiz_answers",
    metadata,
    Column("citizen_id", String(26), ForeignKey("citizens.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("question_id", String(26), ForeignKey("quiz_questions.id"), primary_key=True),
    Column("choice", SmallInteger, nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("points_due", BigInteger, nullable=False),
    Column("points_paid", BigInteger, nullable=False),
    Column("answered_at", UTCDateTime, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("place", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("points_per_hour", Integer, nullable=False),
    # Only a keyed hash of the organiser's code: a leaked table gives nobody attendance points.
    Column("attendance_code_hash", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64)),
    CheckConstraint("kind IN ('river_cleanup', 'tree_planting', 'fish_release')", name="kind"),
    CheckConstraint("capacity > 0", name="capacity"),
    CheckConstraint("points_per_hour >= 0", name="points_per_hour"),
    CheckConstraint("ends_at > starts_at", name="window"),
    Index("ix_events_ends_at", "ends_at"),
)

event_signups = Table(
    "event_signups",
    metadata,
    Column("event_id", String(26), ForeignKey("events.id"), primary_key=True),
    Column("citizen_id", String(26), ForeignKey("citizens.id"), primary_key=True),
    Column("signed_up_at", UTCDateTime, nullable=False),
    Column("attended_at", UTCDateTime),
    Column("points_due", BigInteger),
    Column("points_paid", BigInteger),
    Index("ix_event_signups_citizen_id", "citizen_id"),
)

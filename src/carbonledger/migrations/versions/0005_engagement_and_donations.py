"""check-in, quiz, volunteer events and donations

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import carbonledger.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engagement_settings",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_engagement_settings")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("starts_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("points_per_hour", sa.Integer(), nullable=False),
        sa.Column("attendance_code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('river_cleanup', 'tree_planting', 'fish_release')",
            name=op.f("ck_events_kind"),
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_events_capacity")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_events_window")),
        sa.CheckConstraint("points_per_hour >= 0", name=op.f("ck_events_points_per_hour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_ends_at", ["ends_at"], unique=False)

    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("unit_zh", sa.String(length=32), nullable=False),
        sa.Column("unit_en", sa.String(length=32), nullable=False),
        sa.Column("points_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("goal_points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_points", sa.BigInteger(), nullable=False),
        sa.Column("units_funded", sa.BigInteger(), nullable=False),
        sa.Column("donors", sa.Integer(), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('tree_planting', 'fish_release', 'river_cleanup')",
            name=op.f("ck_projects_kind"),
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_projects_status")),
        sa.CheckConstraint("points_per_unit > 0", name=op.f("ck_projects_unit_price")),
        sa.CheckConstraint(
            "raised_points >= 0 AND raised_points <= goal_points", name=op.f("ck_projects_progress")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("prompt_zh", sa.Text(), nullable=False),
        sa.Column("prompt_en", sa.Text(), nullable=False),
        sa.Column("choices_zh", sa.JSON(), nullable=False),
        sa.Column("choices_en", sa.JSON(), nullable=False),
        sa.Column("answer", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'retired')", name=op.f("ck_quiz_questions_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
    )
    op.create_table(
        "check_ins",
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("points_due", sa.BigInteger(), nullable=False),
        sa.Column("points_paid", sa.BigInteger(), nullable=False),
        sa.Column("checked_in_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_check_ins_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("citizen_id", "day", name=op.f("pk_check_ins")),
    )
    op.create_table(
        "donations",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("project_id", sa.String(length=26), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("units > 0 AND points > 0", name=op.f("ck_donations_positive")),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_donations_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_donations_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donations")),
        sa.UniqueConstraint(
            "citizen_id", "client_key", name=op.f("uq_donations_citizen_id_client_key")
        ),
    )
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_donations_citizen_id_project_id", ["citizen_id", "project_id"], unique=False
        )

    op.create_table(
        "event_signups",
        sa.Column("event_id", sa.String(length=26), nullable=False),
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("signed_up_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attended_at", carbonledger.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("points_due", sa.BigInteger(), nullable=True),
        sa.Column("points_paid", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_event_signups_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_signups_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "citizen_id", name=op.f("pk_event_signups")),
    )
    with op.batch_alter_table("event_signups", schema=None) as batch_op:
        batch_op.create_index("ix_event_signups_citizen_id", ["citizen_id"], unique=False)

    op.create_table(
        "quiz_answers",
        sa.Column("citizen_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("question_id", sa.String(length=26), nullable=False),
        sa.Column("choice", sa.SmallInteger(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points_due", sa.BigInteger(), nullable=False),
        sa.Column("points_paid", sa.BigInteger(), nullable=False),
        sa.Column("answered_at", carbonledger.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_quiz_answers_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_quiz_answers_question_id_quiz_questions"),
        ),
        sa.PrimaryKeyConstraint("citizen_id", "day", "question_id", name=op.f("pk_quiz_answers")),
    )


def downgrade() -> None:
    op.drop_table("quiz_answers")
    with op.batch_alter_table("event_signups", schema=None) as batch_op:
        batch_op.drop_index("ix_event_signups_citizen_id")

    op.drop_table("event_signups")
    with op.batch_alter_table("donations", schema=None) as batch_op:
        batch_op.drop_index("ix_donations_citizen_id_project_id")

    op.drop_table("donations")
    op.drop_table("check_ins")
    op.drop_table("quiz_questions")
    op.drop_table("projects")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_ends_at")

    op.drop_table("events")
    op.drop_table("engagement_settings")

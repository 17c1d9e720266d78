"""session revocation: one row per logged-in browser session, so log-out, "log out everywhere" and a password
change end sessions on the server

Revision ID: 0002_session_revocation
Revises: 0002_old_slugs
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_session_revocation"
down_revision = "0002_old_slugs"  # chained after main's 0002 (old slugs), so there is one head
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sessions from before this point carry the author's id, which no longer opens a session: everyone logs in
    # once more, and from then on every session can be ended.
    op.create_table(
        "author_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["authors.id"], name=op.f("fk_author_sessions_author_id_authors"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_author_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_author_sessions_key_hash")),
    )
    with op.batch_alter_table("author_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_author_sessions_author_id"), ["author_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("author_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_author_sessions_author_id"))
    op.drop_table("author_sessions")

"""old slugs: the addresses trips, stops and posts had before they were renamed

Revision ID: 0002_old_slugs
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_old_slugs"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "old_slugs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("trip_id", sa.Integer(), nullable=True),
        sa.Column("stop_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('trip', 'stop', 'post')", name=op.f("ck_old_slugs_kind")),
        sa.CheckConstraint(
            "(kind = 'trip' AND trip_id IS NOT NULL AND stop_id IS NULL AND post_id IS NULL)"
            " OR (kind = 'stop' AND trip_id IS NOT NULL AND stop_id IS NOT NULL AND post_id IS NULL)"
            " OR (kind = 'post' AND trip_id IS NULL AND stop_id IS NULL AND post_id IS NOT NULL)",
            name=op.f("ck_old_slugs_target"),
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["authors.id"], name=op.f("fk_old_slugs_owner_id_authors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_old_slugs_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stop_id"], ["stops.id"], name=op.f("fk_old_slugs_stop_id_stops"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_old_slugs_trip_id_trips"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_old_slugs")),
        sa.UniqueConstraint("kind", "scope", "slug", name=op.f("uq_old_slugs_kind_scope_slug")),
    )
    with op.batch_alter_table("old_slugs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_old_slugs_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_old_slugs_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_old_slugs_stop_id"), ["stop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_old_slugs_trip_id"), ["trip_id"], unique=False)


def downgrade() -> None:
    op.drop_table("old_slugs")

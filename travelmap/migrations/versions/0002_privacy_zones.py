"""privacy zones: an author's places readers never see, with the hidden circle each is cut at

Revision ID: 0002_privacy_zones
Revises: 0002_old_slugs (written against 0001; chained after main's 0002_old_slugs when main was merged in)
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_privacy_zones"
down_revision = "0002_session_revocation"  # after old slugs and session revocation: one head
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("hidden_lat", sa.Float(), nullable=False),
        sa.Column("hidden_lon", sa.Float(), nullable=False),
        sa.Column("hidden_radius_m", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lat >= -90 AND lat <= 90", name=op.f("ck_privacy_zones_lat_range")),
        sa.CheckConstraint("lon >= -180 AND lon <= 180", name=op.f("ck_privacy_zones_lon_range")),
        sa.CheckConstraint("radius_m >= 100 AND radius_m <= 5000", name=op.f("ck_privacy_zones_radius_range")),
        sa.CheckConstraint("hidden_radius_m > radius_m", name=op.f("ck_privacy_zones_hidden_holds_zone")),
        sa.ForeignKeyConstraint(["author_id"], ["authors.id"], name=op.f("fk_privacy_zones_author_id_authors"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_zones")),
    )
    with op.batch_alter_table("privacy_zones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_zones_author_id"), ["author_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_zones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_zones_author_id"))
    op.drop_table("privacy_zones")

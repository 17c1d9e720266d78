"""cover photo: the photo an author chose for a trip's card and link preview

Revision ID: 0003_cover_photo
Revises: 0002_track_edits
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_cover_photo"
down_revision = "0002_track_edits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own rather than a column of trips: adding a reference to trips would, on SQLite, copy and
    # drop the trips table, and dropping it with foreign keys on cascades to every leg, stop and photo.
    op.create_table(
        "trip_covers",
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"], name=op.f("fk_trip_covers_trip_id_trips"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"], name=op.f("fk_trip_covers_photo_id_photos"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_trip_covers")),
        sa.UniqueConstraint("photo_id", name=op.f("uq_trip_covers_photo_id")),
    )


def downgrade() -> None:
    op.drop_table("trip_covers")

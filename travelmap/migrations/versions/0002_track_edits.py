"""track edits: trim and split ranges over the kept original, the parts of a split, the record of edits

Revision ID: 0002_track_edits
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_track_edits"
down_revision = "0002_privacy_zones"  # after old slugs, sessions and privacy zones: one head
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("keep_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("keep_to", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("edits", sa.JSON(), server_default="[]", nullable=False))
        # The parts of a split share their file (and its sha256) within a trip.
        batch_op.drop_constraint("uq_tracks_trip_id_sha256", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_tracks_trip_id_sha256_part"), ["trip_id", "sha256", "part"])


def downgrade() -> None:
    # The parts of a split cannot share a file under the old constraint, so the split-off parts go (their
    # points are still in the original file the first part keeps); trimmed tracks keep their trimmed points.
    op.execute("DELETE FROM tracks WHERE part <> 0")
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tracks_trip_id_sha256_part", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_tracks_trip_id_sha256"), ["trip_id", "sha256"])
        batch_op.drop_column("edits")
        batch_op.drop_column("keep_to")
        batch_op.drop_column("keep_from")
        batch_op.drop_column("part")

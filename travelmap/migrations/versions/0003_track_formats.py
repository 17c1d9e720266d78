"""track formats and coded warnings: tracks keep an original of any format (original_path, format), and warnings
are {"code", "message"} objects

Revision ID: 0003_track_formats
Revises: 0002_track_edits

Warnings stored before codes were bare sentences. Each becomes {"code", "message"} with its words kept and
the code its producer now gives it, recognised by notes.from_words from the sentences the earlier code wrote
(a frozen table: those sentences will not change); anything else gets "note".
The downgrade turns them back into sentences. Tracks of formats other than GPX stay on a downgrade: the older
code draws them, and serves their original files as it served GPX files.
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from travelmap.notes import from_words

revision = "0003_track_formats"
down_revision = "0003_cover_photo"  # after the cover photo table: one head
branch_labels = None
depends_on = None

FORMATS = ("gpx", "fit", "tcx", "kml", "kmz", "geojson")


def _coded(values: object) -> list:
    """Give each stored warning a code (bare sentences from before codes get theirs from their words)."""
    out = []
    for value in values if isinstance(values, list) else []:
        if isinstance(value, dict) and "message" in value:
            out.append(value)
        else:
            out.append({"code": from_words(str(value)), "message": str(value)})
    return out


def _plain(values: object) -> list:
    """Turn coded warnings back into the bare sentences the older code stored."""
    return [value["message"] if isinstance(value, dict) and "message" in value else value
            for value in (values if isinstance(values, list) else [])]


def _convert(table_name: str, change: Callable[[object], list]) -> None:
    """Rewrite the warnings column of every row of a table."""
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column("warnings", sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.id, table.c.warnings)).all()
    for row_id, warnings in rows:
        new = change(warnings)
        if new != warnings:
            connection.execute(table.update().where(table.c.id == row_id).values(warnings=new))


def upgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.alter_column("gpx_path", new_column_name="original_path", existing_type=sa.String(length=300),
                              existing_nullable=False)
        batch_op.add_column(sa.Column("format", sa.String(length=10), server_default="gpx", nullable=False))
        batch_op.create_check_constraint(op.f("ck_tracks_format"), f"format IN {FORMATS!r}")
    _convert("tracks", _coded)
    _convert("photos", _coded)


def downgrade() -> None:
    _convert("tracks", _plain)
    _convert("photos", _plain)
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_tracks_format"), type_="check")
        batch_op.drop_column("format")
        batch_op.alter_column("original_path", new_column_name="gpx_path", existing_type=sa.String(length=300),
                              existing_nullable=False)

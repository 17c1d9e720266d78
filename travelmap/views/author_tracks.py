"""The workspace's track editor (routes of the `author` blueprint): rename a track, move it to another leg, trim
its ends, split it in two at a point picked on its map or elevation profile, restore the original, and download
the original file. Thin: the work is services/trackedit.py's.
"""

from __future__ import annotations

import json
from datetime import timedelta, timezone

from flask import current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from .. import db, maps
from ..access import author_required, owns_trip
from ..assets import map_assets
from ..formats.kinds import download_name
from ..forms import ActionForm, SplitForm, TrackForm, TrimForm, choices
from ..models import Track, Trip
from ..profile import track_profile
from ..redaction import EVERYTHING
from ..services import find, trackedit
from ..services.faraway import far_away_note
from .author import bp, media_root, submit
from .maplinks import links, tiles


def _editor_url(trip: Trip, track: Track) -> str:
    return url_for("author.track", slug=trip.slug, track_id=track.id)


def _data_json(value: object) -> Markup:
    """Return JSON safe inside <script type="application/json">."""
    return Markup(json.dumps(value, separators=(",", ":")).replace("<", "\\u003c"))


@bp.route("/author/trips/<slug>/tracks/<int:track_id>", methods=["GET", "POST"])
@author_required
@owns_trip
def track(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Show a track's editor: its map and profile to pick points on, and forms to rename, move, trim and split it."""
    item = find.track_by_id(trip, track_id)
    form = TrackForm(name=item.name, leg=str(item.leg.position))
    form.leg.choices = choices([(str(leg.position), f"{leg.position}. {leg.name}") for leg in trip.legs])
    if request.method == "POST" and submit(form, lambda d: trackedit.update_track(db.session(), item, d)) is not None:
        flash(f"Track “{item.name}” saved.", "success")
        return redirect(_editor_url(trip, item))
    return _editor_page(trip, item, form=form)


def _editor_page(trip: Trip, item: Track, *, form: TrackForm | None = None, trim: TrimForm | None = None,
                 split: SplitForm | None = None) -> ResponseReturnValue:
    """Render the editor; a form that failed keeps its message and its 4xx status."""
    if form is None:
        form = TrackForm(name=item.name, leg=str(item.leg.position))
        form.leg.choices = choices([(str(leg.position), f"{leg.position}. {leg.name}") for leg in trip.legs])
    info = trackedit.editor(db.session(), item)
    trim = trim or TrimForm(start="0", end=str(info.count - 1))
    split = split or SplitForm(prefix="split", at=str(info.count // 2))
    m = maps.build_trip_map(trip, leg=item.leg, tiles=tiles(), assets=map_assets(), links=links(trip), detail=True,
                            view=EVERYTHING)
    far = far_away_note(trip, item)
    status = max(getattr(f, "status", 200) for f in (form, trim, split))
    zone = timezone(timedelta(minutes=info.utc_offset_min))
    example = item.started_at.astimezone(zone).isoformat(timespec="seconds") if item.started_at else None
    return render_template("author/track.html", form=form, trip=trip, track=item, leg=item.leg, info=info, trim=trim,
                           split=split, far=far[1] if far else None, map=maps.render_parts(m), action=ActionForm(),
                           profile=track_profile(item, item.leg.colour), example_time=example,
                           editor_json=_data_json({"count": info.count, "samples": info.samples,
                                                   "offset": info.utc_offset_min, "colour": item.leg.colour,
                                                   "distance": item.distance_m})), status


@bp.post("/author/trips/<slug>/tracks/<int:track_id>/trim")
@author_required
@owns_trip
def trim_track(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Trim a track to the points the form names."""
    item = find.track_by_id(trip, track_id)
    form = TrimForm()
    db.end_read_transaction()  # the original file is read and measured with no transaction open
    if submit(form, lambda d: trackedit.trim_track(db.session(), item, d, media_root())) is None:
        return _editor_page(trip, item, trim=form)
    flash(f"Track trimmed: {item.point_count:,} points, {item.distance_m / 1000:,.1f} km.", "success")
    return redirect(_editor_url(trip, item))


@bp.post("/author/trips/<slug>/tracks/<int:track_id>/split")
@author_required
@owns_trip
def split_track(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Split a track in two at the point the form names."""
    item = find.track_by_id(trip, track_id)
    form = SplitForm(prefix="split")
    db.end_read_transaction()
    second = submit(form, lambda d: trackedit.split_track(db.session(), item, d, media_root()))
    if not isinstance(second, Track):
        return _editor_page(trip, item, split=form)
    flash(f"Track split in two: “{item.name}” and “{second.name}”.", "success")
    return redirect(_editor_url(trip, item))


@bp.post("/author/trips/<slug>/tracks/<int:track_id>/restore")
@author_required
@owns_trip
def restore_track(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Bring back the whole original file as this one track."""
    item = find.track_by_id(trip, track_id)
    db.end_read_transaction()
    removed = trackedit.restore_track(db.session(), item, media_root())
    db.commit()
    gone = f" The other part{'s' if len(removed) > 1 else ''} ({', '.join(f'“{n}”' for n in removed)}) went." \
        if removed else ""
    flash(f"Track restored to its original file: {item.point_count:,} points.{gone}", "success")
    return redirect(_editor_url(trip, item))


@bp.get("/author/trips/<slug>/tracks/<int:track_id>/original")
@author_required
@owns_trip
def original_file(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Download a track's file exactly as it was uploaded (for its author only once the track is edited)."""
    item = find.track_by_id(trip, track_id)
    response = send_from_directory(current_app.config["MEDIA_DIR"], item.original_path,
                                   mimetype=item.kind.content_type, as_attachment=True,
                                   download_name=download_name(item.kind, item.original_name, f"track-{item.id}"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

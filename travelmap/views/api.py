"""The author's JSON API (the contract is DESIGN.md's "URL and API contract" and the README's API
section): bearer tokens only, JSON in and out, one error shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from .. import config, db, validate
from ..access import acting_author, owns_post, owns_trip, token_required
from ..errors import InvalidInput, NotFound, TravelmapError, UnsupportedType
from ..models import Photo, Post, Track, Trip
from ..notes import Note
from ..serialize import leg_json, photo_json, post_json, stop_json, track_json, trip_json, zone_json
from ..services import authoring, covers, find, photobulk, posts, trackedit, zones
from ..services.authoring import edit_photo
from ..services.faraway import far_away_photos, far_away_warning
from ..services.photos import parse_clock_offset, prepare, store_batch
from ..services.tracks import import_track
from ..services.trips import photo_count
from . import places as place_views
from .uploads import uploaded_files

bp = Blueprint("api", __name__, url_prefix="/api")


def body() -> dict:
    """Return the request's JSON object; 415 when it is not JSON, 400 when it does not parse."""
    if not request.is_json:
        raise UnsupportedType("Send JSON with 'Content-Type: application/json'.", code="not_json")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # [[[[…]]]] nested past Python's limit
        raise InvalidInput("The JSON is nested too deeply to read.", code="invalid_json") from None
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object, e.g. {\"title\": \"…\"}.", code="invalid_json")
    return data


def media_root() -> Path:
    """Return the media folder."""
    return Path(current_app.config["MEDIA_DIR"])


def photo_json_for(photo: Photo) -> dict[str, Any]:
    """Describe a photo for its author, with the URLs of its published copies."""
    return {**photo_json(photo), "thumbnail_url": url_for("public.media", filename=photo.thumb_path),
            "display_url": url_for("public.media", filename=photo.display_path)}


def trip_detail(trip: Trip) -> dict[str, Any]:
    return trip_json(trip, photo_count(db.session(), trip), cover_photo=covers.chosen_cover_id(db.session(), trip))


@bp.get("/trips")
@token_required
def list_trips() -> ResponseReturnValue:
    """List the author's trips."""
    trips = db.session().scalars(select(Trip).where(Trip.owner_id == acting_author().id).order_by(Trip.created_at))
    return jsonify([trip_json(t, photo_count(db.session(), t), detail=False,
                              cover_photo=covers.chosen_cover_id(db.session(), t)) for t in trips])


@bp.post("/trips")
@token_required
def create_trip() -> ResponseReturnValue:
    """Create a trip: {title, slug?, summary?, visibility?, timezone?}."""
    trip = authoring.create_trip(db.session(), acting_author(), body())
    db.commit()
    return jsonify(trip_detail(trip)), 201


@bp.get("/trips/<slug>")
@token_required
@owns_trip
def get_trip(trip: Trip) -> ResponseReturnValue:
    """Describe a trip with its legs, tracks and stops."""
    return jsonify(trip_detail(trip))


@bp.patch("/trips/<slug>")
@token_required
@owns_trip
def patch_trip(trip: Trip) -> ResponseReturnValue:
    """Change any of title, slug, summary, visibility, timezone, cover_photo (a photo id, or null)."""
    authoring.update_trip(db.session(), trip, body())
    db.commit()
    return jsonify(trip_detail(trip))


@bp.delete("/trips/<slug>")
@token_required
@owns_trip
def delete_trip(trip: Trip) -> ResponseReturnValue:
    """Delete a trip with everything in it."""
    authoring.delete_trip(db.session(), trip, media_root())
    db.commit()
    return "", 204


@bp.post("/trips/<slug>/legs")
@token_required
@owns_trip
def add_leg(trip: Trip) -> ResponseReturnValue:
    """Add a leg: {name, position?, transport?, colour?}."""
    leg = authoring.add_leg(db.session(), trip, body())
    db.commit()
    return jsonify(leg_json(leg)), 201


@bp.patch("/trips/<slug>/legs/<int:position>")
@token_required
@owns_trip
def patch_leg(trip: Trip, position: int) -> ResponseReturnValue:
    """Change a leg's name, colour, transport or position."""
    leg = authoring.update_leg(db.session(), find.leg_at(trip, position), body())
    db.commit()
    return jsonify(leg_json(leg))


@bp.delete("/trips/<slug>/legs/<int:position>")
@token_required
@owns_trip
def delete_leg(trip: Trip, position: int) -> ResponseReturnValue:
    """Delete a leg with its stops and tracks."""
    authoring.delete_leg(db.session(), find.leg_at(trip, position), media_root())
    db.commit()
    return "", 204


@bp.post("/trips/<slug>/legs/<int:position>/tracks")
@token_required
@owns_trip
def upload_track(trip: Trip, position: int) -> ResponseReturnValue:
    """Import a track file (GPX, FIT, TCX, KML, KMZ or GeoJSON, multipart field `file`) into a leg;
    `?waypoints=stops` turns its waypoints into stops."""
    leg = find.leg_at(trip, position)
    (name, data), *rest = uploaded_files()
    if rest:
        raise InvalidInput("Send one track file per request.", field="file")
    db.end_read_transaction()
    track = import_track(db.session(), leg, data, name, media_root(),
                         waypoints_as_stops=request.args.get("waypoints") == "stops",
                         limits=config.parse_limits(current_app.config))
    db.commit()
    return jsonify(upload_json(trip, track)), 201


def upload_json(trip: Trip, track: Track) -> dict[str, Any]:
    """Describe a new track with the warnings of its upload, a far-away one included."""
    far = far_away_warning(trip, track)
    body = track_json(track)
    body["far_away_km"] = None if far is None else round(far[0], 1)
    if far is not None:
        body["warnings"].append(far[1].as_json())
    return body


def _track(trip: Trip, key: str) -> Track:
    """Return the trip's track named by an address's id; anything that is no id of ours is a plain 404.

    The id is read here rather than by an <int:…> converter: past the converter's bound, Werkzeug answers a
    misleading 405 for these addresses instead of a 404."""
    if not key.isascii() or not key.isdigit() or len(key) > 10:
        raise NotFound("This trip has no such track.")
    return find.track_by_id(trip, int(key))


@bp.get("/trips/<slug>/tracks/<track_id>")
@token_required
@owns_trip
def get_track(trip: Trip, track_id: str) -> ResponseReturnValue:
    """Describe one track, with its record of edits."""
    return jsonify(track_json(_track(trip, track_id)))


@bp.patch("/trips/<slug>/tracks/<track_id>")
@token_required
@owns_trip
def patch_track(trip: Trip, track_id: str) -> ResponseReturnValue:
    """Rename a track or move it to another leg: {name?, leg?}."""
    track = trackedit.update_track(db.session(), _track(trip, track_id), body())
    db.commit()
    return jsonify(track_json(track))


@bp.post("/trips/<slug>/tracks/<track_id>/trim")
@token_required
@owns_trip
def trim_track(trip: Trip, track_id: str) -> ResponseReturnValue:
    """Keep a track's points from `start` to `end` (point numbers from 0, or ISO 8601 times): {start?, end?}."""
    track, data = _track(trip, track_id), body()
    db.end_read_transaction()  # the original file is read and measured with no transaction open
    track = trackedit.trim_track(db.session(), track, data, media_root())
    db.commit()
    return jsonify(track_json(track))


@bp.post("/trips/<slug>/tracks/<track_id>/split")
@token_required
@owns_trip
def split_track(trip: Trip, track_id: str) -> ResponseReturnValue:
    """Split a track in two at point `at` (a number or a time), which both parts keep: {at, name?} → 201."""
    track, data = _track(trip, track_id), body()
    db.end_read_transaction()
    second = trackedit.split_track(db.session(), track, data, media_root())
    db.commit()
    return jsonify({"first": track_json(track), "second": track_json(second)}), 201


@bp.post("/trips/<slug>/tracks/<track_id>/restore")
@token_required
@owns_trip
def restore_track(trip: Trip, track_id: str) -> ResponseReturnValue:
    """Make a track its whole uploaded file again, undoing trims and removing the other parts of a split."""
    track = _track(trip, track_id)
    db.end_read_transaction()
    removed = trackedit.restore_track(db.session(), track, media_root())
    db.commit()
    return jsonify({**track_json(track), "removed": removed})


@bp.delete("/trips/<slug>/tracks/<int:track_id>")
@token_required
@owns_trip
def delete_track(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Delete a track of the trip with its points; its original file goes unless another trip holds it."""
    authoring.delete_track(db.session(), find.track_by_id(trip, track_id), media_root())
    db.commit()
    return "", 204


@bp.post("/trips/<slug>/photos")
@token_required
@owns_trip
def upload_photos(trip: Trip) -> ResponseReturnValue:
    """Add photos (multipart field `file`, may repeat; optional `clock_offset` +HH:MM:SS). All or nothing."""
    settings = config.photo_settings(current_app.config)
    offset_text = request.form.get("clock_offset") or request.args.get("clock_offset")
    offset = parse_clock_offset(offset_text) if offset_text else None
    caption = validate.text(request.form, "caption", max_length=validate.MAX_SUMMARY)  # the rules of a PATCH
    db.end_read_transaction()
    batch = []
    for name, data in uploaded_files():
        try:
            batch.append(prepare(data, name, trip, settings, caption=caption))
        except TravelmapError as error:
            error.message = f"{name}: {error.message} Nothing from this upload was stored."
            error.field = "file"
            error.details = {**error.details, "file": name}
            raise
    stored, skipped = store_batch(db.session(), trip, batch, media_root(), settings, clock_offset_s=offset)
    db.commit()
    far = far_away_photos(trip, stored)
    results = []
    for photo in stored:
        result = photo_json_for(photo)
        km, note = far.get(photo.id, (None, None))
        result["far_away_km"] = round(km, 1) if km is not None else None
        if note is not None:
            result["warnings"].append(Note("far_away", note).as_json())
        results.append(result)
    results += [{"skipped": True, "warnings": [note.as_json()]} for note in skipped]
    return jsonify(results), 201


@bp.patch("/trips/<slug>/photos/<int:photo_id>")
@token_required
@owns_trip
def patch_photo(trip: Trip, photo_id: int) -> ResponseReturnValue:
    """Change a photo's caption, or place it by hand: {caption?, lat?, lon?}."""
    photo = find.photo_by_id(trip, photo_id)
    data = body()
    edit_photo(db.session(), photo, data, config.photo_settings(current_app.config))
    db.commit()
    return jsonify(photo_json_for(photo))


@bp.delete("/trips/<slug>/photos/<int:photo_id>")
@token_required
@owns_trip
def delete_photo(trip: Trip, photo_id: int) -> ResponseReturnValue:
    """Delete a photo and its files."""
    authoring.delete_photo(db.session(), find.photo_by_id(trip, photo_id), media_root())
    db.commit()
    return "", 204


@bp.post("/trips/<slug>/photos/bulk")
@token_required
@owns_trip
def bulk_photos(trip: Trip) -> ResponseReturnValue:
    """Act on many photos at once: {ids: [...], action: place|caption|stop|delete, lat, lon | caption | stop}."""
    data = body()
    outcome = photobulk.apply(db.session(), trip, data, media_root(), config.photo_settings(current_app.config))
    db.commit()
    changed = [photo_json_for(p) for p in trip.photos if p.id in outcome.ids] if outcome.action != "delete" else []
    return jsonify({"action": outcome.action, "ids": outcome.ids, "message": outcome.message, "photos": changed})


@bp.post("/trips/<slug>/stops")
@token_required
@owns_trip
def add_stop(trip: Trip) -> ResponseReturnValue:
    """Add a stop: {name, lat, lon, leg, arrived_at?, departed_at?, post?, slug?, position?}."""
    stop = authoring.add_stop(db.session(), trip, body())
    db.commit()
    return jsonify(stop_json(stop)), 201


@bp.patch("/trips/<slug>/stops/<key>")
@token_required
@owns_trip
def patch_stop(trip: Trip, key: str) -> ResponseReturnValue:
    """Change a stop (by id or slug)."""
    stop = authoring.update_stop(db.session(), find.stop_by_key(trip, key), body())
    db.commit()
    return jsonify(stop_json(stop))


@bp.delete("/trips/<slug>/stops/<key>")
@token_required
@owns_trip
def delete_stop(trip: Trip, key: str) -> ResponseReturnValue:
    """Delete a stop."""
    authoring.delete_stop(db.session(), find.stop_by_key(trip, key))
    db.commit()
    return "", 204


@bp.get("/posts")
@token_required
def list_posts() -> ResponseReturnValue:
    """List the author's posts."""
    rows = db.session().scalars(select(Post).where(Post.owner_id == acting_author().id).order_by(Post.published))
    return jsonify([post_json(p) for p in rows])


@bp.post("/posts")
@token_required
def create_post() -> ResponseReturnValue:
    """Create a post: {title, slug?, summary?, body?, url?, published?, author?, licence?, licence_url?, stops?}."""
    data = body()
    post = posts.create_post(db.session(), acting_author(), data)
    if "stops" in data:
        posts.set_linked_stops(db.session(), post, _ids(data["stops"]))
    db.commit()
    return jsonify(post_json(post)), 201


def _ids(value: object) -> list:
    if not isinstance(value, list):
        raise InvalidInput("stops must be a list of stop ids.", field="stops")
    return value


@bp.get("/posts/<post_slug>")
@token_required
@owns_post
def get_post(post: Post) -> ResponseReturnValue:
    """Describe a post."""
    return jsonify(post_json(post))


@bp.patch("/posts/<post_slug>")
@token_required
@owns_post
def patch_post(post: Post) -> ResponseReturnValue:
    """Change a post's fields, or the stops linked to it ({"stops": [ids]})."""
    data = body()
    posts.update_post(db.session(), post, data)
    if "stops" in data:
        posts.set_linked_stops(db.session(), post, _ids(data["stops"]))
    db.commit()
    return jsonify(post_json(post))


@bp.delete("/posts/<post_slug>")
@token_required
@owns_post
def delete_post(post: Post) -> ResponseReturnValue:
    """Delete a post (its stops stay)."""
    posts.delete_post(db.session(), post)
    db.commit()
    return "", 204


@bp.get("/places")
@token_required
def search_places() -> ResponseReturnValue:
    """Find towns by name, offline: ?q=Baotou (or 包头) [&limit=10] -> [{name, country, lat, lon, …}], best first."""
    return jsonify(place_views.search_answer(request.args))


@bp.get("/places/nearest")
@token_required
def nearest_place() -> ResponseReturnValue:
    """Name the town nearest a point: ?lat=&lon= [&max_km=30] -> [{name, country, …, distance_m}] or []."""
    return jsonify(place_views.nearest_answer(request.args))


def secret() -> bytes:
    """Return the app's secret key as bytes (it keys each privacy zone's hidden circle)."""
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


@bp.get("/privacy-zones")
@token_required
def list_zones() -> ResponseReturnValue:
    """List the author's privacy zones: [{id, name, lat, lon, radius_m, created_at}]."""
    return jsonify([zone_json(z) for z in zones.zones_of(db.session(), acting_author().id)])


@bp.post("/privacy-zones")
@token_required
def add_zone() -> ResponseReturnValue:
    """Add a privacy zone {lat, lon, radius_m (100-5000), name?}; every trip of the author is re-rendered."""
    zone = zones.add_zone(db.session(), acting_author(), body(), secret())
    db.commit()
    return jsonify(zone_json(zone)), 201


@bp.delete("/privacy-zones/<int:zone_id>")
@token_required
def delete_zone(zone_id: int) -> ResponseReturnValue:
    """Delete one of the author's privacy zones (another author's is a 404)."""
    zones.delete_zone(db.session(), zones.zone_by_id(db.session(), acting_author(), zone_id))
    db.commit()
    return "", 204

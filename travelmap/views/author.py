"""The author's workspace: log in, then edit trips, legs, stops, posts and API tokens."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from .. import config, db, maps
from ..access import (
    TOO_MANY_LOG_INS,
    acting_author,
    author_required,
    count_log_in_attempt,
    forgive_log_in_attempt,
    log_in,
    log_out,
    owns_post,
    owns_trip,
)
from ..assets import map_assets
from ..errors import InvalidInput, TravelmapError
from ..filters import utc_offset
from ..formats.kinds import UPLOAD_ACCEPT, UPLOAD_WORDS
from ..forms import (
    ActionForm,
    LegForm,
    LoginForm,
    PasswordForm,
    PhotoForm,
    PostForm,
    StopForm,
    TokenForm,
    TripForm,
    ZoneForm,
    choices,
    data_of,
)
from ..localtime import input_value, local_time
from ..models import Leg, Photo, Post, Stop, Track, Trip
from ..redaction import EVERYTHING
from ..serialize import track_json
from ..services import accounts, authoring, covers, find, photobulk, posts, zones
from ..services.faraway import far_away_notes, far_away_photos, far_away_warning
from ..services.photos import parse_clock_offset, prepare, store_batch
from ..services.tracks import import_track
from ..text import counted, palette_colour
from . import places as place_views
from .errors import wants_json
from .maplinks import detail_url, links, tiles
from .uploads import uploaded_files

bp = Blueprint("author", __name__)

T = TypeVar("T")


@bp.after_request
def _no_framing(response: Response) -> Response:
    """Workspace pages may never be framed (clickjacking; the CSP says frame-ancestors 'none' too)."""
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def media_root() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def submit(form: FlaskForm, action: Callable[[dict[str, Any]], T]) -> T | None:
    """Run a service with the form's data and commit; on a validation error put the message on its field."""
    try:
        result = action(data_of(form))
        db.commit()
        return result
    except TravelmapError as error:
        db.session().rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is not None and error.field:
            message = error.message
            if message.startswith(error.field + " "):  # the API's field name -> the label the person sees
                message = field.label.text + message[len(error.field):]
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(error.message)
        form.status = error.status
        return None


def page(template: str, form: FlaskForm | None = None, **context: object) -> ResponseReturnValue:
    """Render a workspace page; a form that failed keeps its 4xx status."""
    status = getattr(form, "status", 200) if form is not None else 200
    return render_template(template, form=form, **context), status


def _safe_next(target: str | None) -> str:
    """Return a local redirect target only (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("author.dashboard")


# ---------------------------------------------------------------- login

@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in; the session is renewed so an old session id cannot be reused."""
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "POST":
        if not count_log_in_attempt():
            form.form_errors.append(TOO_MANY_LOG_INS)
            form.status = 429
            return page("author/login.html", form)
        author = accounts.authenticate(db.session(), form.username.data or "", form.password.data or "")
        if author is not None:
            forgive_log_in_attempt()
            log_in(author)
            return redirect(_safe_next(form.next.data))
        form.form_errors.append("That username and password do not match.")
        form.status = 401
    return page("author/login.html", form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Log out: the session ends on the server, so a copy of its cookie stops working too."""
    log_out()
    flash("You are logged out.", "info")
    return redirect(url_for("author.login"))


@bp.route("/author/account", methods=["GET", "POST"])
@author_required
def account() -> ResponseReturnValue:
    """Change the password (which logs out every other browser) and see or end the author's sessions."""
    form = PasswordForm()
    if request.method == "POST":
        if not count_log_in_attempt():  # the current password is guessed here as on the log-in page
            form.form_errors.append(TOO_MANY_LOG_INS)
            form.status = 429
        elif submit(form, _change_password) is not None:
            flash("Your password is changed, and every other browser is logged out.", "success")
            return redirect(url_for("author.account"))
    return page("author/account.html", form, sessions=accounts.live_sessions(db.session(), current_user),
                action=ActionForm())


def _change_password(data: dict) -> bool:
    author = acting_author()
    if not accounts.password_matches(author, data["current_password"] or ""):
        raise InvalidInput("The current password is not right.", field="current_password")
    forgive_log_in_attempt()
    if data["new_password"] != data["confirm_password"]:
        raise InvalidInput("The new passwords do not match.", field="confirm_password")
    accounts.set_password(db.session(), author, data["new_password"] or "", field="new_password")
    log_in(author)  # this browser goes on, under a new session: a copy of its old cookie is dead too
    return True


@bp.post("/author/account/logout-everywhere")
@author_required
def logout_everywhere() -> ResponseReturnValue:
    """End every session of the author, this one included (a lost phone, a shared computer)."""
    ended = log_out(everywhere=True)
    flash(f"You are logged out everywhere ({ended} browser{'s' if ended != 1 else ''}).", "info")
    return redirect(url_for("author.login"))


# ---------------------------------------------------------------- dashboard and trips

@bp.get("/author")
@author_required
def dashboard() -> ResponseReturnValue:
    """List the author's trips with their visibility and counts."""
    s = db.session()
    trips = list(s.scalars(select(Trip).where(Trip.owner_id == current_user.id).order_by(Trip.created_at.desc())))

    def counts(model: type[Leg] | type[Stop] | type[Track] | type[Photo]) -> dict[int, int]:
        rows = s.execute(select(model.trip_id, func.count()).group_by(model.trip_id))
        return {row[0]: row[1] for row in rows}

    tallies = {name: counts(model) for name, model in
               (("legs", Leg), ("stops", Stop), ("tracks", Track), ("photos", Photo))}
    zone_count = len(zones.zones_of(s, current_user.id))
    return page("author/dashboard.html", trips=trips, tallies=tallies, action=ActionForm(), zone_count=zone_count)


@bp.route("/author/trips/new", methods=["GET", "POST"])
@author_required
def new_trip() -> ResponseReturnValue:
    """Create a trip."""
    form = TripForm(visibility="private")
    if request.method == "POST":
        trip = submit(form, lambda data: authoring.create_trip(db.session(), current_user, data))
        if trip is not None:
            flash(f"Trip “{trip.title}” created. Add its first leg.", "success")
            return redirect(url_for("author.trip", slug=trip.slug))
    return page("author/trip_form.html", form, trip=None)


@bp.route("/author/trips/<slug>", methods=["GET", "POST"])
@author_required
@owns_trip
def trip(trip: Trip) -> ResponseReturnValue:
    """Edit a trip's details; see and manage its legs and stops."""
    form = TripForm(obj=trip)
    if request.method == "POST":
        if submit(form, lambda data: authoring.update_trip(db.session(), trip, data)) is not None:
            flash("Trip saved.", "success")
            return redirect(url_for("author.trip", slug=trip.slug))
    m = maps.build_trip_map(trip, tiles=tiles(), assets=map_assets(), links=links(trip), detail_url=detail_url(trip),
                            view=EVERYTHING)
    return page("author/trip.html", form, trip=trip, action=ActionForm(), map=maps.render_parts(m),
                marks=zones.marks(db.session(), trip),
                far={track_id: note for track_id, (_, note) in far_away_notes(trip).items()},
                track_words=UPLOAD_WORDS, track_accept=UPLOAD_ACCEPT)


@bp.route("/author/trips/<slug>/delete", methods=["GET", "POST"])
@author_required
@owns_trip
def delete_trip(trip: Trip) -> ResponseReturnValue:
    """Confirm, then delete a trip with everything in it."""
    form = ActionForm()
    if request.method == "POST":
        title = trip.title
        authoring.delete_trip(db.session(), trip, media_root())
        db.commit()
        flash(f"Trip “{title}” deleted.", "success")
        return redirect(url_for("author.dashboard"))
    gone = authoring.deletion_summary(db.session(), trip)
    what = (f"{counted(gone.legs, 'leg')}, {counted(gone.stops, 'stop')}, {counted(gone.tracks, 'track')} and "
            f"{counted(gone.photos, 'photo')} "
            "(with their files)")
    return page("author/confirm.html", form, title=f"Delete “{trip.title}”?",
                message=f"This deletes the trip with its {what}. Posts stay. This cannot be undone.",
                cancel=url_for("author.trip", slug=trip.slug), button="Delete the trip")


@bp.get("/author/trips/<slug>/backup.zip")
@author_required
@owns_trip
def backup_trip(trip: Trip) -> ResponseReturnValue:
    """Download the trip as a zip backup: trip.json with every original GPX file and photo."""
    from tempfile import SpooledTemporaryFile

    from flask import send_file

    from ..services.archive import export_trip

    buffer = SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # big trips spill to disk, not memory
    export_trip(db.session(), trip, media_root(), buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=f"{trip.slug}.zip")


# ---------------------------------------------------------------- legs

@bp.route("/author/trips/<slug>/legs/new", methods=["GET", "POST"])
@author_required
@owns_trip
def new_leg(trip: Trip) -> ResponseReturnValue:
    """Add a leg."""
    form = LegForm(colour=palette_colour(len(trip.legs)))
    if request.method == "POST" and submit(form, lambda d: authoring.add_leg(db.session(), trip, d)) is not None:
        flash("Leg added.", "success")
        return redirect(url_for("author.trip", slug=trip.slug))
    return page("author/leg_form.html", form, trip=trip, leg=None)


@bp.route("/author/trips/<slug>/legs/<int:position>/edit", methods=["GET", "POST"])
@author_required
@owns_trip
def edit_leg(trip: Trip, position: int) -> ResponseReturnValue:
    """Rename a leg, change its colour or transport mode."""
    leg = find.leg_at(trip, position)
    form = LegForm(name=leg.name, colour=leg.colour, transport=leg.transport or "")
    if request.method == "POST" and submit(form, lambda d: authoring.update_leg(db.session(), leg, d)) is not None:
        flash("Leg saved.", "success")
        return redirect(url_for("author.trip", slug=trip.slug))
    return page("author/leg_form.html", form, trip=trip, leg=leg)


@bp.post("/author/trips/<slug>/legs/<int:position>/move")
@author_required
@owns_trip
def move_leg(trip: Trip, position: int) -> ResponseReturnValue:
    """Move a leg to another position."""
    form = ActionForm()
    leg = find.leg_at(trip, position)
    if submit(form, lambda d: authoring.update_leg(db.session(), leg, {"position": d["position"]})) is None:
        flash(" ".join(form.position.errors or form.form_errors), "error")
    return redirect(url_for("author.trip", slug=trip.slug))


@bp.route("/author/trips/<slug>/legs/<int:position>/delete", methods=["GET", "POST"])
@author_required
@owns_trip
def delete_leg(trip: Trip, position: int) -> ResponseReturnValue:
    """Confirm, then delete a leg with its stops and tracks."""
    leg = find.leg_at(trip, position)
    form = ActionForm()
    if request.method == "POST":
        authoring.delete_leg(db.session(), leg, media_root())
        db.commit()
        flash("Leg deleted.", "success")
        return redirect(url_for("author.trip", slug=trip.slug))
    return page("author/confirm.html", form, title=f"Delete leg {leg.position}, “{leg.name}”?",
                message=f"This deletes its {counted(len(leg.stops), 'stop')} and {counted(len(leg.tracks), 'track')}. "
                        "Later legs move up.",
                cancel=url_for("author.trip", slug=trip.slug), button="Delete the leg")


# ---------------------------------------------------------------- tracks

@bp.post("/author/trips/<slug>/legs/<int:position>/tracks")
@author_required
@owns_trip
def upload_tracks(trip: Trip, position: int) -> ResponseReturnValue:
    """Import track files (any format) into a leg, each in its own transaction, so one bad file spoils nothing else.

    The page's script sends one file per request and shows its progress and result (JSON), then adds the new
    track to the leg's list and map; without script, the form sends them all and gets a results page.
    """
    leg = find.leg_at(trip, position)
    waypoints = request.form.get("waypoints") == "stops"
    results: list[dict[str, Any]] = []
    failures: list[TravelmapError] = []
    for name, data in uploaded_files():
        db.end_read_transaction()
        try:
            track = import_track(db.session(), leg, data, name, media_root(), waypoints_as_stops=waypoints,
                                 limits=config.parse_limits(current_app.config))
            db.commit()
            results.append({"name": name, "ok": True, "track": _uploaded(trip, track)})
        except TravelmapError as error:
            db.session().rollback()
            failures.append(error)
            results.append({"name": name, "ok": False, "status": error.status, "message": error.message})
    if wants_json():
        if len(results) == 1 and failures:
            raise TravelmapError(failures[0].message, status=failures[0].status, code=failures[0].code, field="file")
        return jsonify(results[0]["track"] if len(results) == 1 else results), 201
    return page("author/upload_results.html", None, trip=trip, leg=leg, results=results)


def _uploaded(trip: Trip, track: Track) -> dict:
    """Describe a new track for the upload's result and the page's script: its stats and warnings (a far-away
    one included), where to edit or delete it, and its lines to draw on the workspace map."""
    far = far_away_warning(trip, track)
    body = track_json(track)
    if far is not None:
        body["warnings"].append(far[1].as_json())
    body.update(
        far_away=far[1].message if far else None,
        far_away_km=round(far[0], 1) if far else None,
        edit_url=url_for("author.track", slug=trip.slug, track_id=track.id),
        delete_url=url_for("author.delete_track", slug=trip.slug, track_id=track.id),
        colour=track.leg.colour,
        lines=[part["line"] for part in (track.lines or {}).get("display", [])],
        planned=[bool(part["planned"]) for part in (track.lines or {}).get("display", [])],
    )
    return body


@bp.route("/author/trips/<slug>/tracks/<int:track_id>/delete", methods=["GET", "POST"])
@author_required
@owns_trip
def delete_track(trip: Trip, track_id: int) -> ResponseReturnValue:
    """Confirm, then delete a track of the trip (its original file goes too, unless something else uses it)."""
    track = find.track_by_id(trip, track_id)
    form = ActionForm()
    if request.method == "POST":
        name = track.name
        authoring.delete_track(db.session(), track, media_root())
        db.commit()
        flash(f"Track “{name}” deleted.", "success")
        return redirect(url_for("author.trip", slug=trip.slug))
    shared = " The other parts of its split stay." if any(
        t.sha256 == track.sha256 and t is not track for leg in trip.legs for t in leg.tracks) else ""
    return page("author/confirm.html", form, title=f"Delete the track “{track.name}”?",
                message=f"This deletes its {counted(track.point_count, 'point')} "
                        f"({track.distance_m / 1000:,.1f} km) from "
                        f"leg {track.leg.position}, “{track.leg.name}”, with its original file.{shared} "
                        "This cannot be undone.",
                cancel=url_for("author.track", slug=trip.slug, track_id=track.id), button="Delete the track")


# ---------------------------------------------------------------- photos

@bp.get("/author/trips/<slug>/photos")
@author_required
@owns_trip
def photos(trip: Trip) -> ResponseReturnValue:
    """Upload photos and review them: thumbnail, time, place, how it was found, warnings; act on many at once."""
    chosen = {photo.id for photo in trip.photos} if request.args.get("select") == "all" else set()
    return _photos_page(trip, chosen=chosen)


def _photos_page(trip: Trip, *, chosen: Collection[int] = (), error: TravelmapError | None = None,
                 values: dict[str, str] | None = None) -> ResponseReturnValue:
    """Render the review list with its bulk panel; a failed bulk action keeps the selection, the values typed and
    its 4xx status, with the message in the panel."""
    photos = list(trip.photos)
    m = maps.build_trip_map(trip, tiles=tiles(), assets=map_assets(), links=links(), view=EVERYTHING)
    maps.ZoneLayer(zones.zones_of(db.session(), trip.owner_id)).add_to(m)
    maps.ClickToFill("lat", "lon").add_to(m)
    body = render_template("author/photos.html", trip=trip, photos=photos, action=ActionForm(),
                           near=place_views.near_words, marks=zones.marks(db.session(), trip, photos),
                           far=far_away_photos(trip), cover_id=covers.chosen_cover_id(db.session(), trip),
                           map=maps.render_parts(m), chosen=chosen, error=error, values=values or {})
    return body, error.status if error is not None else 200
@bp.post("/author/trips/<slug>/photos")
@author_required
@owns_trip
def upload_photos(trip: Trip) -> ResponseReturnValue:
    """Add the photos that are good, report the ones that are not (the API, by contrast, is all or nothing)."""
    settings = config.photo_settings(current_app.config)
    offset_text = request.form.get("clock_offset", "").strip()
    try:
        offset = parse_clock_offset(offset_text) if offset_text else None
    except TravelmapError as error:
        if wants_json():  # the page's script shows the error's message where the progress bar was
            raise
        flash(error.message, "error")
        return redirect(url_for("author.photos", slug=trip.slug))
    batch, refused = [], []
    db.end_read_transaction()
    for name, data in uploaded_files():
        try:
            batch.append(prepare(data, name, trip, settings))
        except TravelmapError as error:
            refused.append(f"{name}: {error.message}")
    stored, skipped = store_batch(db.session(), trip, batch, media_root(), settings, clock_offset_s=offset)
    db.commit()
    unplaced = sum(1 for p in stored if p.lat is None)
    message = f"{len(stored)} photo{'s' if len(stored) != 1 else ''} added"
    if unplaced:
        message += f", {unplaced} without a place yet (place them by hand below)"
    flash(message + ".", "success" if stored else "info")
    for note in skipped:
        flash(note.message, "info")
    for refusal in refused:
        flash(refusal, "error")
    far = far_away_photos(trip, stored)
    for photo in stored:
        if photo.id in far:
            flash(f"{photo.original_name}: {far[photo.id][1]}", "warning")
    target = url_for("author.photos", slug=trip.slug)
    if wants_json():
        return jsonify({"redirect": target, "added": len(stored), "skipped": [note.message for note in skipped],
                        "refused": refused}), 201
    return redirect(target)


def _bulk_data() -> dict[str, Any]:
    """Read the review list's bulk form: the ticked photos and the panel's fields, as the API's body names them."""
    data: dict[str, Any] = {name: request.form.get(name, "") for name in ("action", "lat", "lon", "caption", "stop")}
    data["ids"] = request.form.getlist("ids")
    return data


@bp.post("/author/trips/<slug>/photos/bulk")
@author_required
@owns_trip
def bulk_photos(trip: Trip) -> ResponseReturnValue:
    """Place, caption, attach or delete the photos ticked in the review list; deleting asks first, listing them."""
    data = _bulk_data()
    chosen = {int(value) for value in data["ids"] if value.isdigit()}
    try:
        if data["action"] == "delete" and request.form.get("confirm") != "yes":
            doomed = photobulk.selected(trip, data["ids"])
            return page("author/confirm_photos.html", ActionForm(), trip=trip, photos=doomed,
                        cover_id=covers.chosen_cover_id(db.session(), trip))
        outcome = photobulk.apply(db.session(), trip, data, media_root(), config.photo_settings(current_app.config))
        db.commit()
    except TravelmapError as error:
        db.session().rollback()
        if wants_json():
            raise
        return _photos_page(trip, chosen=chosen, error=error,
                            values={k: v for k, v in data.items() if isinstance(v, str)})
    if wants_json():
        return jsonify({"action": outcome.action, "ids": outcome.ids, "message": outcome.message})
    flash(outcome.message, "success")
    return redirect(url_for("author.photos", slug=trip.slug))


@bp.post("/author/trips/<slug>/cover")
@author_required
@owns_trip
def choose_cover(trip: Trip) -> ResponseReturnValue:
    """Make a photo the trip's cover (its card on the front page and its link preview), or clear the choice."""
    photo_id = request.form.get("photo", "")
    try:
        photo = covers.set_cover(db.session(), trip, photo_id)
        db.commit()
    except TravelmapError as error:
        db.session().rollback()
        return _photos_page(trip, error=error)
    flash(f"“{photo.caption or photo.original_name}” is the trip's cover now." if photo is not None else
          "The cover is chosen for you again: the trip's first photo readers see.", "success")
    return redirect(url_for("author.photos", slug=trip.slug))


@bp.route("/author/trips/<slug>/photos/<int:photo_id>", methods=["GET", "POST"])
@author_required
@owns_trip
def edit_photo(trip: Trip, photo_id: int) -> ResponseReturnValue:
    """Edit a photo's caption or place it by hand on the map."""
    photo = find.photo_by_id(trip, photo_id)
    form = PhotoForm(caption=photo.caption, lat=str(photo.lat) if photo.lat is not None else "",
                     lon=str(photo.lon) if photo.lon is not None else "")
    settings = config.photo_settings(current_app.config)
    saved = request.method == "POST" and submit(
        form, lambda d: authoring.edit_photo(db.session(), photo, d, settings)) is not None
    if saved:
        flash("Photo saved.", "success")
        return redirect(url_for("author.photos", slug=trip.slug))
    # Centred on where the photo is now (its marker is the click-to-fill one), else on the whole trip.
    here = (photo.lat, photo.lon) if photo.lat is not None and photo.lon is not None else None
    m = maps.build_trip_map(trip, tiles=tiles(), assets=map_assets(), links=links(), view=EVERYTHING, focus=here)
    maps.ZoneLayer(zones.zones_of(db.session(), trip.owner_id)).add_to(m)
    maps.ClickToFill("lat", "lon").add_to(m)
    return page("author/photo_form.html", form, trip=trip, photo=photo, map=maps.render_parts(m),
                far=far_away_photos(trip, [photo]).get(photo.id))


@bp.post("/author/trips/<slug>/photos/<int:photo_id>/delete")
@author_required
@owns_trip
def delete_photo(trip: Trip, photo_id: int) -> ResponseReturnValue:
    """Delete a photo and its files."""
    authoring.delete_photo(db.session(), find.photo_by_id(trip, photo_id), media_root())
    db.commit()
    flash("Photo deleted.", "success")
    return redirect(url_for("author.photos", slug=trip.slug))


# ---------------------------------------------------------------- stops

def _stop_form(trip: Trip, stop: Stop | None) -> StopForm:
    """Build the stop form with the trip's legs and the author's posts as choices."""
    if stop is None:
        form = StopForm(leg=request.args.get("leg", str(trip.legs[-1].position) if trip.legs else ""))
    else:
        arrived = local_time(stop.arrived_at, stop.timezone)
        departed = local_time(stop.departed_at, stop.timezone)
        # Explicit values, not obj=stop: the form shows local times and slugs, not UTC datetimes and objects.
        form = StopForm(name=stop.name, slug=stop.slug, lat=str(stop.lat), lon=str(stop.lon),
                        leg=str(stop.leg.position), post=stop.post.slug if stop.post else "",
                        arrived_at=input_value(arrived), departed_at=input_value(departed))
        for field, when in ((form.arrived_at, arrived), (form.departed_at, departed)):
            # Say which zone and offset the time is in: in the hour daylight saving repeats, that tells which.
            field.description = f"{stop.timezone}" + (f", {utc_offset(when)}" if when else "")
            if when is not None and when.microsecond:  # a time stored more finely than a second stays valid
                field.render_kw = {**(field.render_kw or {}), "step": "0.001"}
    form.leg.choices = choices([(str(leg.position), f"{leg.position}. {leg.name}") for leg in trip.legs])
    own_posts = db.session().scalars(select(Post).where(Post.owner_id == current_user.id).order_by(Post.title))
    form.post.choices = choices([("", "— none —")] + [(p.slug, p.title) for p in own_posts])
    return form


def _picker(trip: Trip) -> maps.MapParts:
    """Render the trip's map with a click handler that fills the latitude and longitude fields."""
    m = maps.build_trip_map(trip, tiles=tiles(), assets=map_assets(), links=links(), view=EVERYTHING)
    maps.ZoneLayer(zones.zones_of(db.session(), trip.owner_id)).add_to(m)
    maps.ClickToFill("lat", "lon").add_to(m)
    return maps.render_parts(m)


@bp.route("/author/trips/<slug>/stops/new", methods=["GET", "POST"])
@author_required
@owns_trip
def new_stop(trip: Trip) -> ResponseReturnValue:
    """Add a stop by clicking on the map or typing coordinates."""
    if not trip.legs:
        flash("Add a leg first: every stop belongs to a leg.", "error")
        return redirect(url_for("author.new_leg", slug=trip.slug))
    form = _stop_form(trip, None)
    if request.method == "POST" and (stop := submit(form, lambda d: authoring.add_stop(db.session(), trip, d))):
        flash("Stop added.", "success")
        return _after_stop(trip, stop)
    return page("author/stop_form.html", form, trip=trip, stop=None, map=_picker(trip))


def _after_stop(trip: Trip, stop: Stop) -> Response:
    """Go where the stop form's button said: back to the trip, or on to a new post linked to the stop (the
    stop is saved first, so nothing typed into its form is lost)."""
    if request.form.get("then") == "post":
        return redirect(url_for("author.new_post", stop=stop.id))
    return redirect(url_for("author.trip", slug=trip.slug))


@bp.route("/author/trips/<slug>/stops/<int:stop_id>/edit", methods=["GET", "POST"])
@author_required
@owns_trip
def edit_stop(trip: Trip, stop_id: int) -> ResponseReturnValue:
    """Edit a stop: name, place, times, post, or move it to another leg."""
    stop = find.stop_by_key(trip, stop_id)
    form = _stop_form(trip, stop)
    if request.method == "POST" and submit(form, lambda d: authoring.update_stop(db.session(), stop, d)) is not None:
        flash("Stop saved.", "success")
        return _after_stop(trip, stop)
    return page("author/stop_form.html", form, trip=trip, stop=stop, map=_picker(trip))


@bp.post("/author/trips/<slug>/stops/<int:stop_id>/move")
@author_required
@owns_trip
def move_stop(trip: Trip, stop_id: int) -> ResponseReturnValue:
    """Move a stop to another position in its leg."""
    form = ActionForm()
    stop = find.stop_by_key(trip, stop_id)
    if submit(form, lambda d: authoring.update_stop(db.session(), stop, {"position": d["position"]})) is None:
        flash(" ".join(form.position.errors or form.form_errors), "error")
    return redirect(url_for("author.trip", slug=trip.slug))


@bp.route("/author/trips/<slug>/stops/<int:stop_id>/delete", methods=["GET", "POST"])
@author_required
@owns_trip
def delete_stop(trip: Trip, stop_id: int) -> ResponseReturnValue:
    """Confirm, then delete a stop."""
    stop = find.stop_by_key(trip, stop_id)
    form = ActionForm()
    if request.method == "POST":
        authoring.delete_stop(db.session(), stop)
        db.commit()
        flash("Stop deleted.", "success")
        return redirect(url_for("author.trip", slug=trip.slug))
    return page("author/confirm.html", form, title=f"Delete the stop “{stop.name}”?",
                message="Its post and photos stay; they are no longer attached to this place.",
                cancel=url_for("author.trip", slug=trip.slug), button="Delete the stop")


# ---------------------------------------------------------------- privacy zones

def _secret() -> bytes:
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else str(key).encode("utf-8")


@bp.route("/author/privacy", methods=["GET", "POST"])
@author_required
def privacy_zones() -> ResponseReturnValue:
    """List the author's privacy zones and add one by clicking the map, finding a town or typing coordinates."""
    s = db.session()
    form = ZoneForm(radius_m="500")
    if request.method == "POST":
        zone = submit(form, lambda d: zones.add_zone(s, current_user, d, _secret()))
        if zone is not None:
            flash(f"Privacy zone added. Readers no longer see anything within {zone.radius_m:,.0f} m of that place "
                  "on any of your trips.", "success")
            return redirect(url_for("author.privacy_zones"))
    own = zones.zones_of(s, current_user.id)
    trips = list(s.scalars(select(Trip).where(Trip.owner_id == current_user.id)))
    m = maps.build_zones_map(trips, own, tiles=tiles(), assets=map_assets())
    maps.ClickToFill("lat", "lon").add_to(m)
    maps.ZonePicker().add_to(m)
    return page("author/privacy.html", form, zones=own, map=maps.render_parts(m), near=place_views.near_words)


@bp.route("/author/privacy/<int:zone_id>/delete", methods=["GET", "POST"])
@author_required
def delete_zone(zone_id: int) -> ResponseReturnValue:
    """Confirm, then delete a privacy zone (another author's is a 404)."""
    s = db.session()
    zone = zones.zone_by_id(s, current_user, zone_id)
    form = ActionForm()
    if request.method == "POST":
        zones.delete_zone(s, zone)
        db.commit()
        flash("Privacy zone deleted. Readers see again what lies within it.", "success")
        return redirect(url_for("author.privacy_zones"))
    label = f"“{zone.name}”" if zone.name else f"the {zone.radius_m:,.0f} m zone"
    return page("author/confirm.html", form, title=f"Delete the privacy zone {label}?",
                message=f"Readers will see again everything within {zone.radius_m:,.0f} m of {zone.lat:.5f}, "
                        f"{zone.lon:.5f} on all your trips: tracks, stops and photos, at once.",
                cancel=url_for("author.privacy_zones"), button="Delete the zone")


# ---------------------------------------------------------------- posts

@bp.get("/author/posts")
@author_required
def posts_list() -> ResponseReturnValue:
    """List the author's posts."""
    rows = db.session().scalars(select(Post).where(Post.owner_id == current_user.id)
                                .order_by(Post.published.desc(), Post.title))
    return page("author/posts.html", posts=list(rows))


def _post_form(post: Post | None) -> PostForm:
    """Build the post form, offering every stop of the author's trips to link."""
    if post is None:
        form = PostForm(author=current_user.display_name, stops=request.args.getlist("stop"))
    else:
        form = PostForm(title=post.title, slug=post.slug, author=post.author_name, summary=post.summary,
                        body=post.body, url=post.url or "", licence=post.licence, licence_url=post.licence_url or "",
                        published=post.published.isoformat() if post.published else "",
                        stops=[str(s.id) for s in post.stops])
    stops = db.session().scalars(select(Stop).join(Trip, Stop.trip_id == Trip.id)
                                 .where(Trip.owner_id == current_user.id).order_by(Trip.title, Stop.arrived_at))
    form.stops.choices = choices([(str(s.id), f"{s.leg.trip.title} › {s.name}") for s in stops])
    return form


def _save_post(post: Post | None, data: dict) -> Post:
    """Create or update a post and set which stops link to it."""
    s = db.session()
    post = posts.create_post(s, current_user, data) if post is None else posts.update_post(s, post, data)
    posts.set_linked_stops(s, post, data.get("stops") or [])
    return post


@bp.route("/author/posts/new", methods=["GET", "POST"])
@author_required
def new_post() -> ResponseReturnValue:
    """Write a post (Markdown) or link an external one."""
    form = _post_form(None)
    if request.method == "POST" and (post := submit(form, lambda d: _save_post(None, d))) is not None:
        flash(f"Post “{post.title}” saved.", "success")
        return redirect(url_for("author.edit_post", post_slug=post.slug))
    return page("author/post_form.html", form, post=None)


@bp.route("/author/posts/<post_slug>/edit", methods=["GET", "POST"])
@author_required
@owns_post
def edit_post(post: Post) -> ResponseReturnValue:
    """Edit a post and the stops that link to it."""
    form = _post_form(post)
    if request.method == "POST" and submit(form, lambda d: _save_post(post, d)) is not None:
        flash("Post saved.", "success")
        return redirect(url_for("author.edit_post", post_slug=post.slug))
    return page("author/post_form.html", form, post=post)


@bp.route("/author/posts/<post_slug>/delete", methods=["GET", "POST"])
@author_required
@owns_post
def delete_post(post: Post) -> ResponseReturnValue:
    """Confirm, then delete a post."""
    form = ActionForm()
    if request.method == "POST":
        posts.delete_post(db.session(), post)
        db.commit()
        flash("Post deleted.", "success")
        return redirect(url_for("author.posts_list"))
    return page("author/confirm.html", form, title=f"Delete the post “{post.title}”?",
                message=f"{counted(len(post.stops), 'stop')} link{'s' if len(post.stops) == 1 else ''} to it; "
                        f"{'it stays' if len(post.stops) == 1 else 'they stay'}, without the link.",
                cancel=url_for("author.edit_post", post_slug=post.slug), button="Delete the post")


# ---------------------------------------------------------------- API tokens

@bp.route("/author/tokens", methods=["GET", "POST"])
@author_required
def tokens() -> ResponseReturnValue:
    """List, create and revoke API tokens; a new token is shown once."""
    form = TokenForm()
    new_token = None
    if request.method == "POST":
        result = submit(form, lambda d: accounts.create_token(db.session(), current_user, d["name"]))
        if result is not None:
            new_token = result[1]
    return page("author/tokens.html", form, tokens=accounts.live_tokens(db.session(), current_user),
                new_token=new_token, action=ActionForm())


@bp.post("/author/tokens/<int:token_id>/revoke")
@author_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke a token at once."""
    accounts.revoke_token(db.session(), current_user, token_id)
    db.commit()
    flash("Token revoked.", "success")
    return redirect(url_for("author.tokens"))


# ---------------------------------------------------------------- places by name (the forms' search box)

@bp.get("/author/places")
@author_required
def search_places() -> ResponseReturnValue:
    """Answer the stop and photo forms' place search: the API's /api/places, for a logged-in author."""
    return jsonify(place_views.search_answer(request.args))


@bp.get("/author/places/nearest")
@author_required
def nearest_place() -> ResponseReturnValue:
    """Suggest the town nearest the point the author clicked: the API's /api/places/nearest."""
    return jsonify(place_views.nearest_answer(request.args))

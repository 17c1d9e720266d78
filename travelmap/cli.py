"""The travelmap command line: thin wrappers over services (serve, init-db, seed, …)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask.globals import app_ctx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import config, db, hosts, notes
from .models import Trip
from .photos import NAME_SUFFIXES
from .services.seed import seed_trip
from .text import clean_filename, counted

P = ParamSpec("P")
T = TypeVar("T")


def ensure_schema() -> None:
    """Create or upgrade the schema through the migrations."""
    db.upgrade_schema(db.engine())


def seed_demo() -> tuple[Trip, bool]:
    """Load the demo trip from the data folder in one transaction; return (trip, created)."""
    session = db.session()
    try:
        trip, created = seed_trip(session, Path(current_app.config["DATA_DIR"]), Path(current_app.config["MEDIA_DIR"]),
                                  config.photo_settings(current_app.config))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return trip, created


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema."""
    ensure_schema()
    click.echo(f"Database ready: {db.engine().url.render_as_string(hide_password=True)}")


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the demo trip from the data folder (does nothing if it is already there)."""
    ensure_schema()
    trip, created = seed_demo()
    click.echo(f"{'Loaded' if created else 'Already present:'} demo trip '{trip.title}' at /trips/{trip.slug}")


def closing_answers(app: Any) -> Any:
    """Wrap a WSGI app for werkzeug's development server: each answer's close() runs as soon as its last chunk is
    sent, or when a dropped answer is collected. That server skips close() when a client resets the connection
    (a reader who goes on to the next page mid-photo), which left files open until the garbage collector found
    them. Production servers close answers themselves and keep their file_wrapper (sendfile), so they run the
    app as it is."""

    def answer(environ: Any, start_response: Any) -> Any:
        iterable = app(environ, start_response)

        def chunks() -> Any:
            try:
                yield from iterable
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()

        return chunks()

    return answer


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-demo", is_flag=True, help="Start with an empty site: do not load the demo trip.")
@with_appcontext
def serve_command(host: str, port: int, no_demo: bool) -> None:
    """Serve travelmap; on an empty database, create the schema and load the demo trip first."""
    from werkzeug.serving import run_simple

    app: Flask = app_ctx.app
    if not app.config.get("PUBLIC_URL"):  # links name the address served here, not whatever Host a reader sends
        hosts.use_public_url(app, hosts.served_address(host, port))
    site = app.extensions["travelmap.public_url"]
    ensure_schema()
    if not no_demo and not db.session().scalar(select(func.count(Trip.id))):
        if (Path(current_app.config["DATA_DIR"]) / "trip.toml").is_file():
            trip, _ = seed_demo()
            click.echo(f"Loaded the demo trip: {site}/trips/{trip.slug}")
        else:
            click.echo(f"No demo trip at {current_app.config['DATA_DIR']}/trip.toml; starting with an empty site.")
    db.session().close()
    click.echo(f"travelmap serving on http://{host}:{port}/ as {site}/  (Ctrl+C to stop)")
    if not app.config.get("PUBLIC_URL"):
        click.echo("Readers must use that address (or localhost); set TRAVELMAP_PUBLIC_URL to the one they use.")
    run_simple(host, port, closing_answers(app), threaded=True, use_reloader=False)


@click.command("create-author")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--display-name", default="", help="Name shown as the author of posts (default: the username).")
@with_appcontext
def create_author_command(username: str, password_stdin: bool, display_name: str) -> None:
    """Create an author who can log in to the workspace."""
    from .services.accounts import create_author

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    ensure_schema()
    _run(lambda s: create_author(s, username, password, display_name))
    click.echo(f"Author {username!r} can now log in at /login")


@click.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@with_appcontext
def set_password_command(username: str, password_stdin: bool) -> None:
    """Give an author a new password and log them out everywhere (API tokens stay)."""
    from .services.accounts import author_by_username, set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    ended = _run(lambda s: set_password(s, author_by_username(s, username), password))
    click.echo(f"Password of {username!r} changed; {ended} session{'s' if ended != 1 else ''} logged out.")


@click.command("create-token")
@click.argument("username")
@click.option("--name", "label", default="", help="A label to recognise the token by (e.g. 'laptop').")
@with_appcontext
def create_token_command(username: str, label: str) -> None:
    """Create an API token; it is printed alone on the last line, and only once."""
    from .services.accounts import author_by_username, create_token

    token, raw = _run(lambda s: create_token(s, author_by_username(s, username), label))
    click.echo(f"Token {token.id} for {username}{f' ({label})' if label else ''}; keep it secret:")
    click.echo(raw)


@click.command("revoke-token")
@click.argument("username")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def revoke_token_command(username: str, token_id: int) -> None:
    """Revoke one of an author's API tokens (see `list-tokens`)."""
    from .services.accounts import author_by_username, revoke_token

    _run(lambda s: revoke_token(s, author_by_username(s, username), token_id))
    click.echo(f"Token {token_id} revoked.")


@click.command("list-tokens")
@click.argument("username")
@with_appcontext
def list_tokens_command(username: str) -> None:
    """List an author's live API tokens: id, label, created, last used."""
    from .services.accounts import author_by_username, live_tokens

    s = db.session()
    for token in live_tokens(s, author_by_username(s, username)):
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
        click.echo(
            f"{token.id}\t{token.name or '-'}\tcreated {token.created_at.isoformat(timespec='seconds')}"
            f"\tlast used {used}"
        )


def _read_upload(path: Path) -> bytes:
    """Read a file to import, refusing it (413) over the upload limit as the web does; its name is shown
    and stored through `clean_filename`, as a web upload's is."""
    from .errors import TravelmapError

    if path.stat().st_size > current_app.config["MAX_CONTENT_LENGTH"]:
        raise TravelmapError(f"The file is over the {current_app.config['MAX_UPLOAD_MB']} MB limit.", status=413)
    return path.read_bytes()


@click.command("import-track")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trip", "trip_slug", required=True, help="Slug of the trip to add the tracks to.")
@click.option("--leg", "leg_position", required=True, type=int, help="Position of the leg (1, 2, 3 …).")
@click.option("--waypoints-as-stops", is_flag=True, help="Turn each file's waypoints into stops of the leg.")
@with_appcontext
def import_track_command(files: tuple[Path, ...], trip_slug: str, leg_position: int, waypoints_as_stops: bool) -> None:
    """Import track files (GPX, FIT, TCX, KML/KMZ or GeoJSON, recognised by their content) into a leg, each in its
    own transaction; report each file's result."""
    from .errors import TravelmapError
    from .services.faraway import far_away_warning
    from .services.find import leg_at
    from .services.tracks import import_track
    from .services.trips import trip_by_slug

    s = db.session()
    trip = trip_by_slug(s, trip_slug)
    if trip is None:
        raise click.ClickException(f"There is no trip {trip_slug!r}.")
    try:
        leg_at(trip, leg_position)
    except TravelmapError as error:
        raise click.ClickException(error.message) from error
    media_root = Path(current_app.config["MEDIA_DIR"])
    failed = 0
    lines = []
    with click.progressbar(
        files,
        label="Importing",
        show_pos=True,
        file=sys.stderr,
        item_show_func=lambda p: clean_filename(p.name) if p else "",
    ) as bar:
        for path in bar:
            name = clean_filename(path.name)
            try:
                data = _read_upload(path)
                current = trip_by_slug(s, trip_slug)
                if current is None:
                    raise click.ClickException(f"The trip {trip_slug!r} was deleted during the import.")
                leg = leg_at(current, leg_position)
                s.commit()  # no transaction stays open while the file is parsed
                track = import_track(s, leg, data, name, media_root, waypoints_as_stops=waypoints_as_stops,
                                     limits=config.parse_limits(current_app.config))
                s.commit()
                far = far_away_warning(leg.trip, track)
                warnings = [note.message for note in notes.load_all(track.warnings)] + ([far[1].message] if far else [])
                lines.append(
                    f"ok      {name}: {track.distance_m / 1000:.1f} km, {counted(track.point_count, 'point')}, "
                    f"track {track.id}" + "".join(f"\n        warning: {w}" for w in warnings)
                )
            except TravelmapError as error:
                s.rollback()
                failed += 1
                lines.append(f"failed  {name}: {error.message}")
    for line in lines:
        click.echo(line)
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} files were not imported.")


# The command's first name, from when travelmap read GPX only: scripts that use it keep working.
import_gpx_command = click.Command(
    "import-gpx", callback=import_track_command.callback, params=import_track_command.params,
    help="Import track files into a leg: the old name of import-track, which it is in every way.",
)


@click.command("import-photos")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--trip", "trip_slug", required=True, help="Slug of the trip to add the photos to.")
@click.option(
    "--clock-offset",
    default=None,
    help="Add this to the camera's times, e.g. -00:02:30 (default: learned from a photo in the batch that has GPS).",
)
@with_appcontext
def import_photos_command(paths: tuple[Path, ...], trip_slug: str, clock_offset: str | None) -> None:
    """Import photos (files, or folders searched for images) into a trip; unusable files are reported."""
    from .errors import TravelmapError
    from .services.photos import parse_clock_offset, prepare, store_batch
    from .services.trips import trip_by_slug

    s = db.session()
    trip = trip_by_slug(s, trip_slug)
    if trip is None:
        raise click.ClickException(f"There is no trip {trip_slug!r}.")
    try:
        offset = parse_clock_offset(clock_offset) if clock_offset else None
    except TravelmapError as error:
        raise click.ClickException(error.message) from error
    suffixes = set().union(*NAME_SUFFIXES.values())  # what the photo reader accepts, by content
    files = [
        p
        for path in paths
        for p in (sorted(path.rglob("*")) if path.is_dir() else [path])
        if p.is_file() and (not path.is_dir() or p.suffix.lower() in suffixes)
    ]
    settings = config.photo_settings(current_app.config)
    batch, refused = [], []
    s.commit()  # no transaction stays open while the photos are decoded
    with click.progressbar(
        files,
        label="Reading photos",
        show_pos=True,
        file=sys.stderr,
        item_show_func=lambda p: clean_filename(p.name) if p else "",
    ) as bar:
        for path in bar:
            name = clean_filename(path.name)
            try:
                batch.append(prepare(_read_upload(path), name, trip, settings))
            except TravelmapError as error:
                refused.append(f"failed  {name}: {error.message}")
    stored, skipped = store_batch(
        s, trip, batch, Path(current_app.config["MEDIA_DIR"]), settings, clock_offset_s=offset
    )
    s.commit()
    sources: dict[str, int] = {}
    for photo in stored:
        sources[photo.location_source or "none"] = sources.get(photo.location_source or "none", 0) + 1
    for line in refused + [f"skipped {note.message}" for note in skipped]:
        click.echo(line)
    placed = ", ".join(f"{n} {k}" for k, n in sorted(sources.items()))
    click.echo(f"{counted(len(stored), 'photo')} added to {trip.slug} (located by: {placed or 'none'}).")
    if refused:
        raise click.ClickException(f"{len(refused)} of {len(files)} files were not imported.")


@click.command("check")
@click.option(
    "--repair", is_flag=True, help="Delete orphaned files and stale partial uploads; remake lost photo copies."
)
@with_appcontext
def check_command(repair: bool) -> None:
    """Check that every media file belongs to a row and every row's files exist."""
    from .services.maintenance import check

    s = db.session()
    report = check(
        s,
        Path(current_app.config["MEDIA_DIR"]),
        repair=repair,
        max_pixels=config.photo_settings(current_app.config).max_pixels,
    )
    s.commit()  # moves remade copies into place
    for path in report.orphaned:
        click.echo(f"orphaned  {path}")
    for path in report.missing:
        click.echo(f"missing   {path}")
    for line in report.repaired:
        click.echo(f"repaired  {line}")
    for line in report.unrepairable:
        click.echo(f"cannot    {line}")
    if not (report.orphaned or report.missing):
        click.echo("All media files and rows agree.")
    elif not repair:
        raise click.ClickException("Problems found; run `travelmap check --repair` to fix what can be fixed.")
    elif report.unrepairable:
        raise click.ClickException(f"{len(report.unrepairable)} problems need a person (see 'cannot' lines).")


@click.command("export-trip")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The zip file to write (default: SLUG.zip in the current folder).",
)
@with_appcontext
def export_trip_command(slug: str, output: Path | None) -> None:
    """Back up a trip as a zip: trip.json with every original GPX file and photo."""
    import os
    import tempfile

    from .errors import TravelmapError
    from .services.archive import export_trip
    from .services.trips import trip_by_slug

    s = db.session()
    trip = trip_by_slug(s, slug)
    if trip is None:
        raise click.ClickException(f"There is no trip {slug!r}.")
    output = output or Path(f"{slug}.zip")
    # Written beside the target and renamed at the end: a failed export leaves no half-written zip.
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}-", suffix=".part", dir=output.parent.resolve())
    try:
        with os.fdopen(fd, "wb") as fh:
            document = export_trip(s, trip, Path(current_app.config["MEDIA_DIR"]), fh)
        os.replace(tmp, output)
    except TravelmapError as error:
        raise click.ClickException(error.message) from error
    finally:
        Path(tmp).unlink(missing_ok=True)
    tracks = sum(len(leg["tracks"]) for leg in document["legs"])
    click.echo(
        f"Wrote {output}: {counted(len(document['legs']), 'leg')}, {counted(tracks, 'track')}, "
        f"{counted(len(document['photos']), 'photo')}, "
        f"{counted(len(document['posts']), 'post')}, {output.stat().st_size / 1048576:.1f} MB."
    )


@click.command("import-trip")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", default=None, help="Import the trip under this slug (when its own is taken here).")
@click.option(
    "--author",
    "username",
    default=None,
    help="Username of the trip's owner here (needed when there are several authors).",
)
@with_appcontext
def import_trip_command(archive: Path, slug: str | None, username: str | None) -> None:
    """Restore a trip from an export-trip zip, all or nothing."""
    from .services.archive import default_owner, import_trip

    notes: list[str] = []
    trip = _run(
        lambda s: import_trip(
            s,
            archive,
            Path(current_app.config["MEDIA_DIR"]),
            default_owner(s, username),
            slug,
            settings=config.photo_settings(current_app.config),
            max_file_bytes=current_app.config["MAX_CONTENT_LENGTH"],
            notes=notes,
        )
    )
    for note in notes:
        click.echo(f"note    {note}")
    tracks = sum(len(leg.tracks) for leg in trip.legs)
    click.echo(
        f"Imported '{trip.title}' at /trips/{trip.slug} for {trip.owner.username}: {counted(len(trip.legs), 'leg')}, "
        f"{counted(len(trip.stops()), 'stop')}, {counted(tracks, 'track')}, {counted(len(trip.photos), 'photo')}."
    )


def _run(action: Callable[[Session], T]) -> T:
    """Run a service in one transaction; a TravelmapError becomes a clear CLI error."""
    from .errors import TravelmapError

    s = db.session()
    try:
        result = action(s)
        s.commit()
        return result
    except TravelmapError as error:
        s.rollback()
        raise click.ClickException(error.message) from error


COMMANDS = (
    init_db_command,
    seed_command,
    serve_command,
    create_author_command,
    set_password_command,
    create_token_command,
    revoke_token_command,
    list_tokens_command,
    import_track_command,
    import_gpx_command,
    import_photos_command,
    check_command,
    export_trip_command,
    import_trip_command,
)


def _database_errors_as_messages(callback: Callable[P, T]) -> Callable[P, T]:
    """A database that is locked too long or unreachable becomes one clear line, not a traceback."""
    from functools import wraps

    from sqlalchemy.exc import OperationalError

    @wraps(callback)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return callback(*args, **kwargs)
        except OperationalError as error:  # the app context's teardown has rolled the session back
            raise click.ClickException(
                f"The database is busy or could not be reached ({str(error.orig).strip()}). "
                "Nothing was saved; try again."
            ) from error

    return run


for _command in COMMANDS:
    if _command.callback is not None:
        _command.callback = _database_errors_as_messages(_command.callback)


def init_app(app: Flask) -> None:
    """Register the commands on the app (so `flask --app travelmap` and test runners see them)."""
    for command in COMMANDS:
        app.cli.add_command(command)

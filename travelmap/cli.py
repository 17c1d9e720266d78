"""The travelmap command line: thin wrappers over services (serve, init-db, seed, …)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from . import db
from .models import Trip
from .services.seed import seed_trip


def ensure_schema() -> None:
    """Create or upgrade the schema through the migrations."""
    db.upgrade_schema(db.engine())


def seed_demo() -> tuple[Trip, bool]:
    """Load the demo trip from the data folder in one transaction; return (trip, created)."""
    session = db.session()
    try:
        trip, created = seed_trip(session, Path(current_app.config["DATA_DIR"]), Path(current_app.config["MEDIA_DIR"]))
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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve travelmap; on an empty database, create the schema and load the demo trip first."""
    from werkzeug.serving import run_simple

    ensure_schema()
    if not db.session().scalar(select(func.count(Trip.id))):
        trip, _ = seed_demo()
        click.echo(f"Loaded the demo trip: http://{host}:{port}/trips/{trip.slug}")
    db.session().close()
    click.echo(f"travelmap serving on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)  # type: ignore[attr-defined]


COMMANDS = (init_db_command, seed_command, serve_command)


def init_app(app: Flask) -> None:
    """Register the commands on the app (so `flask --app travelmap` and test runners see them)."""
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False,
             help="travelmap: a self-hosted travel-log map service. Settings come from TRAVELMAP_* variables.")
def main() -> None:
    """Run travelmap commands."""

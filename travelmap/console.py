"""The `travelmap` console script: a Flask CLI group over the commands in cli.py, on the app create_app builds."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from .app import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False,
             help="travelmap: a self-hosted travel-log map service. Settings come from TRAVELMAP_* variables.")
def main() -> None:
    """Run travelmap commands."""

"""WSGI entry point: `gunicorn wsgi:app`."""

from travelmap import create_app

app = create_app()

"""travelmap: a self-hosted, geotagged travel-log map service.

`create_app()` builds the Flask application (`gunicorn 'travelmap:create_app()'` serves it);
the `travelmap` command (or `python -m travelmap`) runs its command line.
"""

from __future__ import annotations

from .app import create_app
from .version import __version__

__all__ = ["create_app", "__version__"]

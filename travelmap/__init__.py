"""travelmap: a self-hosted, geotagged travel-log map service.

`create_app()` builds the Flask application (`gunicorn 'travelmap:create_app()'` serves it);
the `travelmap` command (or `python -m travelmap`) runs its command line.

The package itself imports nothing heavy: the readers (`travelmap.gpx`, `travelmap.photos`, `travelmap.geo`)
load without Flask or SQLAlchemy, and `create_app` is imported from `travelmap.app` on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .app import create_app

__all__ = ["create_app", "__version__"]


def __getattr__(name: str) -> Any:
    """Import the app factory when it is first asked for (PEP 562)."""
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'travelmap' has no attribute {name!r}")

"""Imported once by the sandbox's fork server, never by the app: load and warm what every parse needs, so
each child process starts ready instead of paying for it per file. No Flask or SQLAlchemy here."""

from __future__ import annotations

from datetime import datetime
from multiprocessing import spawn

from PIL import Image

from . import formats, geo, gpx, photos  # noqa: F401 - imported for the children


# A child runs a parser from an importable module and needs nothing from the worker's main script, but
# multiprocessing would run that script again in every child before starting it (gunicorn's or pytest's:
# 30-100 ms each). This server only ever starts sandbox children; if a later Python renames these, the
# assignments do nothing and only that time is lost.
def _skip_main(_: str) -> None:
    """Leave the child's __main__ as the server's."""


vars(spawn)["_fixup_main_from_path"] = _skip_main  # private names of the stdlib: replaced in its namespace
vars(spawn)["_fixup_main_from_name"] = _skip_main

Image.preinit()  # Pillow imports its common format plugins on the first open
datetime.strptime("2010:10:14", "%Y:%m:%d")  # the first strptime imports and compiles its rules
# The time-zone finder's data: 20-50 ms to open per child. Safe to share: after it is built, every lookup
# reads its files through read-only memory maps, never through a file offset the children would share.
geo.zone_at(40.6, 109.9)

"""Imported once by the sandbox's fork server, never by the app: load and warm what every parse needs, so
each child process starts ready instead of paying for it per file. No Flask or SQLAlchemy here."""

from __future__ import annotations

from datetime import datetime

from PIL import Image

from . import gpx, photos  # noqa: F401 - imported for the children

Image.preinit()  # Pillow imports its common format plugins on the first open
datetime.strptime("2010:10:14", "%Y:%m:%d")  # the first strptime imports and compiles its rules
# The time-zone finder's data: 20-50 ms to open per child. Safe to share: after it is built, every lookup
# reads its files through read-only memory maps, never through a file offset the children would share.
photos.zone_at(40.6, 109.9)

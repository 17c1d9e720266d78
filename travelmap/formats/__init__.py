"""Track files of every kind an author's devices write -> one validated ParsedTrack. No Flask here.

One module per format (gpx, fit, tcx, kml, kmz, geojson), the shared result type and point checks in
common, the hardened streaming XML pass in xmlstream, and read_track, which recognises the format by
the file's content and hands it to its reader.
"""

from .common import ParsedTrack, Segment, Waypoint
from .read import read_track

__all__ = ["ParsedTrack", "Segment", "Waypoint", "read_track"]

"""The benchmark's track in every format: the points synthetic_gpx writes, as FIT, TCX, KML, KMZ and GeoJSON files.

Each file carries what the GPX carries for every point: time, position, elevation and a heart rate, in
the structure its devices and apps write. FIT files are written by Garmin's FIT SDK (a test dependency).
"""

from __future__ import annotations

import io
import json
import math
import random
import zipfile
from datetime import datetime, timedelta

from benchmarks.common import START

Point = tuple[float, float, float, datetime]  # lat, lon, ele, time


def synthetic_points(points: int, seed: int = 1, sample_s: float = 1.0) -> list[Point]:
    """Return the points synthetic_gpx writes (the same random walk, rounded as it rounds them)."""
    rng = random.Random(seed)
    lat, lon, heading = 40.8424, 111.7490, 250.0
    out = []
    for i in range(points):
        heading += rng.uniform(-2, 2)
        step = 12.0 + rng.uniform(-1, 1)
        lat += step * math.cos(math.radians(heading)) / 111_320
        lon += step * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        ele = 1050 + 200 * math.sin(i / 5000) + rng.uniform(-3, 3)
        out.append((round(lat, 7), round(lon, 7), round(ele, 1), START + timedelta(seconds=i * sample_s)))
    return out


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def fit_file(points: list[Point]) -> bytes:
    """Write an activity as a device records it: one record a second, between a timer start and stop."""
    from garmin_fit_sdk import Encoder, Profile

    mesg = Profile["mesg_num"]
    encoder = Encoder()
    encoder.on_mesg(mesg["FILE_ID"], {"type": "activity", "manufacturer": "development", "product": 1,
                                      "time_created": points[0][3]})
    encoder.on_mesg(mesg["EVENT"], {"timestamp": points[0][3], "event": "timer", "event_type": "start"})
    for i, (lat, lon, ele, when) in enumerate(points):
        encoder.on_mesg(mesg["RECORD"], {
            "timestamp": when, "position_lat": round(lat * 2**31 / 180), "position_long": round(lon * 2**31 / 180),
            "enhanced_altitude": ele, "heart_rate": 120 + i % 40})
    encoder.on_mesg(mesg["EVENT"], {"timestamp": points[-1][3], "event": "timer", "event_type": "stop_all"})
    return encoder.close()


def tcx_file(points: list[Point]) -> bytes:
    """Write a Garmin Training Center activity: one lap, one track, a heart rate per point."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
           'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">\n<Activities><Activity Sport="Biking">'
           f'<Id>{_iso(points[0][3])}</Id><Lap StartTime="{_iso(points[0][3])}"><Track>\n']
    for i, (lat, lon, ele, when) in enumerate(points):
        out.append(f"<Trackpoint><Time>{_iso(when)}</Time><Position><LatitudeDegrees>{lat:.7f}</LatitudeDegrees>"
                   f"<LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position><AltitudeMeters>{ele:.1f}"
                   f"</AltitudeMeters><HeartRateBpm><Value>{120 + i % 40}</Value></HeartRateBpm></Trackpoint>\n")
    out.append("</Track></Lap><Creator><Name>travelmap benchmarks</Name></Creator></Activity></Activities>"
               "</TrainingCenterDatabase>\n")
    return "".join(out).encode()


def kml_file(points: list[Point]) -> bytes:
    """Write a KML 2.2 gx:Track as Google Earth and OpenTracks export a recording: all times, then all positions."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
           'xmlns:gx="http://www.google.com/kml/ext/2.2">\n<Document><name>Benchmark</name><Placemark>'
           "<name>Benchmark</name><gx:Track>\n"]
    out.extend(f"<when>{_iso(when)}</when>\n" for _, _, _, when in points)
    out.extend(f"<gx:coord>{lon:.7f} {lat:.7f} {ele:.1f}</gx:coord>\n" for lat, lon, ele, _ in points)
    out.append("</gx:Track></Placemark></Document></kml>\n")
    return "".join(out).encode()


def kmz_file(points: list[Point]) -> bytes:
    """Zip kml_file's KML as doc.kml, as Google Earth saves a KMZ."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml_file(points))
    return out.getvalue()


def geojson_file(points: list[Point]) -> bytes:
    """Write GeoJSON as togeojson and Strava-like exports do: one LineString Feature with its times in coordTimes."""
    feature = {"type": "Feature", "properties": {"name": "Benchmark", "coordTimes": [_iso(p[3]) for p in points]},
               "geometry": {"type": "LineString", "coordinates": [[lon, lat, ele] for lat, lon, ele, _ in points]}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}, separators=(",", ":")).encode()

"""Synthetic FIT, TCX, KML, KMZ and GeoJSON tracks for tests and benchmarks; a point is (lat, lon, ele|None, time|None).

FIT files are written by Garmin's FIT SDK; the text formats by hand, as their schemas say.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Sequence
from datetime import datetime, timezone

from garmin_fit_sdk import Encoder, Profile

Point = tuple  # (lat, lon, ele | None, time | None)
MESG = Profile["mesg_num"]
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=timezone.utc)


def semicircles(degrees: float) -> int:
    """Return the FIT semicircles nearest to a position in degrees."""
    return round(degrees * 2**31 / 180)


def fit_file(segments: list[list[Point]], *, course_points: Sequence[tuple] = (), kind: str = "activity",
             extra_records: int = 0, unplaced_every: int = 0) -> bytes:
    """Write an activity (or course) whose segments are separated by timer stop/start events.

    Positions are rounded to semicircles; `unplaced_every` n adds a record without a position after
    every n-th point; `extra_records` adds that many records with no position at the end.
    """
    encoder = Encoder()
    first = next((p[3] for seg in segments for p in seg if p[3] is not None), FIT_EPOCH)
    encoder.on_mesg(MESG["FILE_ID"], {"type": kind, "manufacturer": "development", "product": 1,
                                      "time_created": first})
    encoder.on_mesg(MESG["EVENT"], {"timestamp": first, "event": "timer", "event_type": "start"})
    last = first
    for n, segment in enumerate(segments):
        if n:
            encoder.on_mesg(MESG["EVENT"], {"timestamp": last, "event": "timer", "event_type": "stop_all"})
            encoder.on_mesg(MESG["EVENT"], {"timestamp": segment[0][3] or last, "event": "timer",
                                            "event_type": "start"})
        for i, (lat, lon, ele, when) in enumerate(segment, start=1):
            record: dict = {"position_lat": semicircles(lat), "position_long": semicircles(lon)}
            if when is not None:
                record["timestamp"] = last = when
            if ele is not None:
                record["enhanced_altitude"] = ele
            encoder.on_mesg(MESG["RECORD"], record)
            if unplaced_every and i % unplaced_every == 0:
                encoder.on_mesg(MESG["RECORD"], {"timestamp": last, "heart_rate": 120})
    for _ in range(extra_records):
        encoder.on_mesg(MESG["RECORD"], {"timestamp": last, "heart_rate": 120})
    for name, lat, lon in course_points:
        encoder.on_mesg(MESG["COURSE_POINT"], {"timestamp": last, "position_lat": semicircles(lat),
                                               "position_long": semicircles(lon), "name": name, "type": "generic"})
    encoder.on_mesg(MESG["EVENT"], {"timestamp": last, "event": "timer", "event_type": "stop_all"})
    return encoder.close()


def fit_header(data: bytes, *, header_size: int | None = None, data_size: int | None = None) -> bytes:
    """Return FIT bytes with their header's size fields replaced (the header CRC is left as it was)."""
    out = bytearray(data)
    if header_size is not None:
        out[0] = header_size
    if data_size is not None:
        struct.pack_into("<I", out, 4, data_size)
    return bytes(out)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def tcx_document(laps: list[list[Point]], *, course: str | None = None, course_points: Sequence[tuple] = (),
                 unplaced: int = 0) -> bytes:
    """Write a TCX activity with one lap per list (or, with a name, a course); add `unplaced` positionless points."""
    def trackpoint(lat: float, lon: float, ele: float | None, when: datetime | None) -> str:
        return ("<Trackpoint>" + (f"<Time>{_iso(when)}</Time>" if when else "")
                + f"<Position><LatitudeDegrees>{lat!r}</LatitudeDegrees><LongitudeDegrees>{lon!r}</LongitudeDegrees>"
                "</Position>" + (f"<AltitudeMeters>{ele!r}</AltitudeMeters>" if ele is not None else "")
                + "<HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>")

    lap_xml = []
    for lap in laps:
        points = "".join(trackpoint(*p) for p in lap)
        points += "<Trackpoint><Time>2010-10-14T03:00:00Z</Time></Trackpoint>" * unplaced
        lap_xml.append(f'<Lap StartTime="2010-10-14T02:00:00Z"><TotalTimeSeconds>60</TotalTimeSeconds>'
                       f"<Track>{points}</Track></Lap>")
    if course is None:
        body = (f'<Activities><Activity Sport="Biking"><Id>2010-10-14T02:00:00Z</Id>{"".join(lap_xml)}'
                "<Creator><Name>Test Device</Name></Creator></Activity></Activities>")
    else:
        marks = "".join(f"<CoursePoint><Name>{name}</Name><Position><LatitudeDegrees>{lat}</LatitudeDegrees>"
                        f"<LongitudeDegrees>{lon}</LongitudeDegrees></Position><PointType>Generic</PointType>"
                        "</CoursePoint>" for name, lat, lon in course_points)
        body = f'<Courses><Course><Name>{course}</Name>{"".join(lap_xml)}{marks}</Course></Courses>'
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
            f"{body}</TrainingCenterDatabase>").encode()


def kml_document(*, tracks: Sequence[list[Point]] = (), lines: Sequence[list[Point]] = (), points: Sequence[tuple] = (),
                 name: str = "Test KML") -> bytes:
    """Write KML 2.2 with gx:Tracks (timed), LineStrings (untimed) and Point placemarks (name, lat, lon)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
           'xmlns:gx="http://www.google.com/kml/ext/2.2"><Document>', f"<name>{name}</name>"]
    for n, track in enumerate(tracks, start=1):
        whens = "".join(f"<when>{_iso(t)}</when>" for _, _, _, t in track)
        coords = "".join(f"<gx:coord>{lon!r} {lat!r} {ele!r}</gx:coord>" for lat, lon, ele, _ in track)
        out.append(f"<Placemark><name>Track {n}</name><gx:Track>{whens}{coords}</gx:Track></Placemark>")
    for n, line in enumerate(lines, start=1):
        coords = " ".join(f"{lon!r},{lat!r}" + (f",{ele!r}" if ele is not None else "") for lat, lon, ele, _ in line)
        out.append(f"<Placemark><name>Line {n}</name><LineString><coordinates>{coords}</coordinates></LineString>"
                   "</Placemark>")
    for pname, lat, lon in points:
        out.append(f"<Placemark><name>{pname}</name><Point><coordinates>{lon!r},{lat!r}</coordinates></Point>"
                   "</Placemark>")
    out.append("</Document></kml>")
    return "\n".join(out).encode()


def kmz_archive(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Zip members (name -> bytes) into a KMZ."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return buffer.getvalue()


def geojson_document(lines: list[list[Point]], *, points: Sequence[tuple] = (), times: bool = True) -> bytes:
    """Write a FeatureCollection: one LineString Feature per line (with coordTimes), one Point per (name, lat, lon)."""
    features = []
    for line in lines:
        properties: dict = {"name": "Line"}
        if times and all(p[3] is not None for p in line):
            properties["coordTimes"] = [_iso(p[3]) for p in line]
        features.append({"type": "Feature", "properties": properties, "geometry": {
            "type": "LineString",
            "coordinates": [[lon, lat] + ([ele] if ele is not None else []) for lat, lon, ele, _ in line]}})
    for name, lat, lon in points:
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()

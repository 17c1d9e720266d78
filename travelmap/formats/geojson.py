"""GeoJSON (RFC 7946) bytes -> ParsedTrack. No Flask here.

LineStrings and MultiLineStrings, bare or in Features, FeatureCollections and GeometryCollections,
become segments (one per line part); Points and MultiPoints become waypoints; a third coordinate is the
elevation. RFC 7946 has no times: when a line's Feature carries the common `coordTimes` (togeojson,
Mapbox) or `coordinateProperties.times` with one time per position, they are used; otherwise, or when
they cannot be read, the line has no times (with a warning). Positions off the Earth, a wrong nesting of
coordinates, and a coordinate reference system other than WGS 84 are refused, saying where.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput
from ..notes import Note
from .common import ParsedTrack, Segment, TimeReader, Waypoint, as_datetime, explain_point, in_range, point_is_valid

CODE = "invalid_geojson"
MAX_NESTING = 64  # GeometryCollections inside GeometryCollections
_WGS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326",
          "EPSG:4326", "CRS84"}
_AREAS = {"Polygon", "MultiPolygon"}


def _refuse_constant(name: str) -> float:
    raise InvalidInput(f"The GeoJSON file holds {name}, which is not a JSON number.", code=CODE)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _GeoJson:
    """A parsed GeoJSON document -> segments and waypoints."""

    def __init__(self) -> None:
        self.times = TimeReader()
        self.segments: list[Segment] = []
        self.waypoints: list[Waypoint] = []
        self.warnings: set[Note] = set()
        self.line_name: str | None = None

    def object(self, value: Any, where: str, properties: dict | None, depth: int = 0) -> None:
        """Read any GeoJSON object: a FeatureCollection, a Feature or a geometry."""
        if depth > MAX_NESTING:
            raise InvalidInput(f"{where} nests GeometryCollections more than {MAX_NESTING} deep.", code=CODE)
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise InvalidInput(f"{where} is not a GeoJSON object (a JSON object with a \"type\").", code=CODE)
        kind = value["type"]
        if kind == "FeatureCollection":
            features = value.get("features")
            if not isinstance(features, list):
                raise InvalidInput(f"{where}, a FeatureCollection, has no list of \"features\".", code=CODE)
            for n, feature in enumerate(features, start=1):
                if not isinstance(feature, dict) or feature.get("type") != "Feature":
                    raise InvalidInput(f"Feature {n} of {where.lower()} is not a Feature.", code=CODE)
                self.object(feature, f"Feature {n}", None, depth + 1)
        elif kind == "Feature":
            props = value.get("properties")
            if props is not None and not isinstance(props, dict):
                raise InvalidInput(f"{where}'s \"properties\" is not an object.", code=CODE)
            geometry = value.get("geometry")
            if geometry is not None:
                self.object(geometry, where, props or {}, depth + 1)
        elif kind == "GeometryCollection":
            geometries = value.get("geometries")
            if not isinstance(geometries, list):
                raise InvalidInput(f"{where}'s GeometryCollection has no list of \"geometries\".", code=CODE)
            for n, geometry in enumerate(geometries, start=1):
                self.object(geometry, f"{where}, geometry {n}", properties, depth + 1)
        elif kind in ("LineString", "MultiLineString", "Point", "MultiPoint"):
            self.geometry(kind, value.get("coordinates"), where, properties or {})
        elif kind in _AREAS:
            self.warnings.add(Note("areas_ignored", "Polygons (areas) were ignored."))
        else:
            raise InvalidInput(f"{where} has the type {kind[:40]!r}, which is not a GeoJSON type.", code=CODE)

    def geometry(self, kind: str, coordinates: Any, where: str, properties: dict) -> None:
        """Read the coordinates of a line, lines, point or points."""
        what = f"{where} ({kind})"
        if kind == "Point":
            self.waypoint(self.position(coordinates, what), properties)
            return
        if not isinstance(coordinates, list):
            raise InvalidInput(f"{what} has no list of coordinates.", code=CODE)
        if kind == "MultiPoint":
            for n, position in enumerate(coordinates, start=1):
                self.waypoint(self.position(position, f"{what}, point {n}"), properties)
            return
        parts = [coordinates] if kind == "LineString" else coordinates
        times = properties.get("coordTimes")
        if times is None and isinstance(properties.get("coordinateProperties"), dict):
            times = properties["coordinateProperties"].get("times")
        if kind == "LineString":
            times = [times]
        for n, part in enumerate(parts, start=1):
            label = what if kind == "LineString" else f"{what}, line {n}"
            if not isinstance(part, list) or (part and not isinstance(part[0], list)):
                raise InvalidInput(f"{label} is not a list of positions.", code=CODE)
            if len(part) < 2:
                raise InvalidInput(f"{label} has {len(part)} position{'s' if len(part) != 1 else ''}; "
                                   "a line needs at least two.", code=CODE)
            segment = Segment()
            for i, position in enumerate(part, start=1):
                lat, lon, ele = self.position(position, f"{label}, position {i}")
                segment.lats.append(lat)
                segment.lons.append(lon)
                segment.eles.append(ele)
            part_times = times[n - 1] if isinstance(times, list) and len(times) >= n else None
            segment.times = self.line_times(part_times, len(part), label)
            self.segments.append(segment)
            if self.line_name is None and isinstance(properties.get("name"), str):
                self.line_name = properties["name"].strip()

    def position(self, value: Any, where: str) -> tuple[float, float, float | None]:
        """Return (lat, lon, ele) of a [longitude, latitude(, elevation)] position; raise when it is not one."""
        if not isinstance(value, list) or len(value) < 2 or not all(_is_number(v) for v in value[:3]):
            raise InvalidInput(f"{where} is not a position [longitude, latitude] or [longitude, latitude, "
                               f"elevation]: {json.dumps(value)[:60]}.", code=CODE)
        lon, lat = float(value[0]), float(value[1])
        ele = float(value[2]) if len(value) > 2 else None
        if not point_is_valid(lat, lon, ele):
            raise explain_point(lat, lon, ele, where, CODE)
        return lat, lon, ele

    def line_times(self, values: Any, count: int, where: str) -> list[float | None]:
        """Return one POSIX time per position from coordTimes, or all None (with a warning) when unusable."""
        none: list[float | None] = [None] * count
        if values is None:
            return none
        if not isinstance(values, list) or len(values) != count:
            self.warnings.add(Note("line_times_unusable", "Some lines' coordTimes do not give one time per "
                                   "position; those lines have no times."))
            return none
        stamps: list[float | None] = []
        for value in values:
            when = self.times.read(value) if isinstance(value, str) else None
            if when is None or not in_range(*when):
                self.warnings.add(Note("line_times_unusable", f"{where} has times in coordTimes that cannot be "
                                       "read; the line has no times."))
                return none
            stamps.append(when[0] / 1_000_000)
        return stamps

    def waypoint(self, point: tuple[float, float, float | None], properties: dict) -> None:
        lat, lon, ele = point
        number = len(self.waypoints) + 1
        name = properties.get("name") or properties.get("title")
        text = properties.get("description") or properties.get("desc")
        stamp = properties.get("time") or properties.get("timestamp")
        when = self.times.read(stamp) if isinstance(stamp, str) else None
        self.waypoints.append(Waypoint(name.strip() if isinstance(name, str) and name.strip() else f"Point {number}",
                                       lat, lon, ele, as_datetime(*when) if when and in_range(*when) else None,
                                       text.strip() if isinstance(text, str) else ""))


def read_geojson(data: bytes) -> ParsedTrack:
    """Read and validate GeoJSON bytes; raise InvalidInput naming the problem when they are unusable."""
    try:
        document = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidInput("The GeoJSON file nests its arrays or objects too deep to be read.", code=CODE) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"This is not a GeoJSON file: byte {exc.start} is not UTF-8 text.", code=CODE) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"This is not valid JSON ({exc.msg}, line {exc.lineno}, column {exc.colno}).",
                           code=CODE) from exc
    reader = _GeoJson()
    if isinstance(document, dict):
        crs = document.get("crs")
        name = (
            crs.get("properties", {}).get("name")
            if isinstance(crs, dict) and isinstance(crs.get("properties"), dict)
            else None
        )
        if crs is not None and name not in _WGS84:
            raise InvalidInput(
                f"The GeoJSON file uses the coordinate system {str(name)[:60]!r}; GeoJSON positions "
                "must be WGS 84 longitude and latitude (RFC 7946).",
                code=CODE,
            )
    reader.object(document, "The file", None)
    if not reader.segments:
        found = f" (only {len(reader.waypoints):,} points)" if reader.waypoints else ""
        raise InvalidInput(f"The GeoJSON file has no LineString or MultiLineString to draw{found}.", code=CODE)
    top_name = document.get("name") if isinstance(document, dict) else None
    name = top_name.strip() if isinstance(top_name, str) else reader.line_name or ""
    return ParsedTrack(
        name=name,
        segments=reader.segments,
        waypoints=reader.waypoints,
        version="",
        creator="",
        warnings=sorted(reader.warnings),
        file_segments=len(reader.segments),
        format="geojson",
    )

"""Trips as data other tools read: GeoJSON (RFC 7946), GPX 1.1 with every stored point, Atom with GeoRSS. Pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Any

import gpxpy.gpx

from . import geo
from .geo import Bounds, split_at_antimeridian
from .localtime import local_time
from .models import Leg, Photo, Post, Stop, Trip
from .redaction import Redaction, TrackView


@dataclass(frozen=True)
class Urls:
    """Absolute URL builders for exported links (the views pass url_for(..., _external=True))."""

    trip: Callable[[Trip], str]
    stop: Callable[[Stop], str]
    post: Callable[[Post], str]
    thumb: Callable[[Photo], str]


def _lonlat(coords: list[list[float]]) -> list[list[float]]:
    """Turn [[lat, lon], ...] into GeoJSON's [[lon, lat], ...]."""
    return [[lon, lat] for lat, lon in coords]


def leg_feature(leg: Leg, view: Redaction) -> dict | None:
    """Return a leg as readers see it, as a LineString/MultiLineString feature (tracks at 2 m detail, or its
    untracked line); its distance is what is shown."""
    # Lines crossing the antimeridian are cut there (RFC 7946 §3.1.9), so no tool draws them across the world.
    tracks = view.tracks(leg)
    lines = [_lonlat(piece) for track in tracks for part in (track.detail_geometry or track.display_geometry)
             if len(part["coords"]) >= 2 for piece in split_at_antimeridian(part["coords"])]
    untracked = view.untracked_line(leg)
    if untracked is not None:
        lines = [_lonlat(piece) for piece in split_at_antimeridian([list(p) for p in untracked])]
    if not lines:
        return None
    geometry = ({"type": "LineString", "coordinates": lines[0]} if len(lines) == 1
                else {"type": "MultiLineString", "coordinates": lines})
    return {"type": "Feature", "geometry": geometry, "properties": {
        "kind": "leg", "position": leg.position, "name": leg.name, "colour": leg.colour,
        "transport": leg.transport, "distance_m": round(sum(t.distance_m for t in tracks), 1),
        "tracked": bool(leg.tracks)}}


def trip_geojson(trip: Trip, urls: Urls, *, legs: Iterable[Leg] | None = None, photos: Iterable[Photo] = (),
                 blur: bool = False, view: Redaction) -> dict:
    """Return the trip (or some legs) as readers see it, as an RFC 7946 FeatureCollection: legs, stops, photos.
    Stops and photos in a privacy zone are left out (a feature with no place is no use on a map)."""
    numbers = trip.stop_numbers()
    legs = list(trip.legs if legs is None else legs)
    features = [f for f in (leg_feature(leg, view) for leg in legs) if f]
    for leg in legs:
        for stop in leg.stops:
            place = view.place(stop)
            if place is None:
                continue
            arrived = local_time(stop.arrived_at, stop.timezone)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [place[1], place[0]]},
                    "properties": {
                        "kind": "stop",
                        "number": numbers[stop.id],
                        "name": stop.name,
                        "leg": leg.position,
                        "arrived_at": arrived.isoformat() if arrived else None,
                        "url": urls.stop(stop),
                        "post_url": urls.post(stop.post) if stop.post else None,
                        "post_title": stop.post.title if stop.post else None,
                    },
                }
            )
    for photo in view.photos(photos):
        if photo.lat is None or photo.lon is None:
            continue
        lat, lon = geo.blur(photo.lat, photo.lon) if blur else (photo.lat, photo.lon)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "kind": "photo",
                    "caption": photo.caption,
                    "thumbnail_url": urls.thumb(photo),
                    "taken_at": photo.taken_at.isoformat() if photo.taken_at else None,
                },
            }
        )
    body: dict = {"type": "FeatureCollection", "name": trip.title, "features": features}
    points = [(c[1], c[0]) for f in features for c in _coordinates(f["geometry"])]
    box = Bounds.around(points)
    if box is not None:
        body["bbox"] = box.as_geojson()  # across the antimeridian, west is greater than east
    return body


def _coordinates(geometry: dict) -> list:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return [coords]
    if kind == "LineString":
        return coords
    return [c for line in coords for c in line]


def _gpx_points(points: list[tuple[float, float, float | None, float | None]]) -> list[Any]:
    return [gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=ele,
                                    time=datetime.fromtimestamp(t, timezone.utc) if t is not None else None)
            for lat, lon, ele, t in points]


def trip_gpx(trip: Trip, urls: Urls, *, legs: Iterable[Leg] | None = None, view: Redaction) -> str:
    """Return GPX 1.1 with every stored point readers may see of every track (a run cut by a privacy zone is a
    segment of its own), and the stops readers may place as waypoints linking to their posts."""
    gpx: Any = gpxpy.gpx.GPX()  # gpxpy's attributes are inferred as None-typed; they take text
    gpx.creator = "travelmap"
    gpx.name, gpx.description = trip.title, trip.summary or None
    gpx.link, gpx.link_text = urls.trip(trip), trip.title
    for leg in trip.legs if legs is None else legs:
        for track in view.tracks(leg):
            out: Any = gpxpy.gpx.GPXTrack(name=track.name or f"Leg {leg.position}")
            out.type = leg.name
            for planned, points in track.pieces():
                if planned:  # a GPX route, a KML LineString, a course without times: a plan, kept as a route
                    route: Any = gpxpy.gpx.GPXRoute(name=track.name or f"Leg {leg.position}")
                    route.type = leg.name
                    route.points = [gpxpy.gpx.GPXRoutePoint(p.latitude, p.longitude, elevation=p.elevation,
                                                            time=p.time) for p in _gpx_points(points)]
                    gpx.routes.append(route)
                    continue
                seg = gpxpy.gpx.GPXTrackSegment()
                seg.points = _gpx_points(points)
                out.segments.append(seg)
            if out.segments:
                gpx.tracks.append(out)
        for stop in leg.stops:
            place = view.place(stop)
            if place is None:
                continue
            waypoint: Any = gpxpy.gpx.GPXWaypoint(*place, time=stop.arrived_at, name=stop.name)
            if stop.post is not None:
                waypoint.link, waypoint.link_text = urls.post(stop.post), stop.post.title
            else:
                waypoint.link, waypoint.link_text = urls.stop(stop), stop.name
            waypoint.type = leg.name
            gpx.waypoints.append(waypoint)
    return gpx.to_xml(version="1.1")


def track_gpx(track: TrackView) -> str:
    """Return what readers see of one track as GPX 1.1 (what the original-file download becomes while a privacy
    zone touches the track): its recorded runs as segments, planned runs as routes, no waypoints."""
    gpx: Any = gpxpy.gpx.GPX()
    gpx.creator = "travelmap"
    gpx.name = track.name or None
    out: Any = gpxpy.gpx.GPXTrack(name=track.name or None)
    for planned, points in track.pieces():
        if planned:
            route: Any = gpxpy.gpx.GPXRoute(name=track.name or None)
            route.points = [gpxpy.gpx.GPXRoutePoint(p.latitude, p.longitude, elevation=p.elevation, time=p.time)
                            for p in _gpx_points(points)]
            gpx.routes.append(route)
        else:
            seg = gpxpy.gpx.GPXTrackSegment()
            seg.points = _gpx_points(points)
            out.segments.append(seg)
    if out.segments:
        gpx.tracks.append(out)
    return gpx.to_xml(version="1.1")


ATOM = "http://www.w3.org/2005/Atom"
GEORSS = "http://www.georss.org/georss"


def trip_feed(trip: Trip, urls: Urls, feed_url: str, *, view: Redaction) -> bytes:
    """Return an Atom feed of the trip's posts, each with a GeoRSS point at its stop (none for a stop in a
    privacy zone)."""
    ET.register_namespace("", ATOM)
    ET.register_namespace("georss", GEORSS)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = trip.title
    if trip.summary:
        ET.SubElement(feed, f"{{{ATOM}}}subtitle").text = trip.summary
    ET.SubElement(feed, f"{{{ATOM}}}id").text = urls.trip(trip)
    ET.SubElement(feed, f"{{{ATOM}}}link", href=urls.trip(trip), rel="alternate", type="text/html")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/atom+xml")
    entries, seen = [], set()
    for stop in trip.stops():
        if stop.post is not None and stop.post.id not in seen:
            seen.add(stop.post.id)
            entries.append((stop.post, stop))
    updated = [_post_time(post) for post, _ in entries] or [trip.updated_at]
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = max(updated).isoformat()
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = trip.owner.display_name or trip.owner.username
    for post, stop in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = post.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = urls.post(post)
        ET.SubElement(entry, f"{{{ATOM}}}link", href=urls.post(post), rel="alternate", type="text/html")
        if post.url:
            ET.SubElement(entry, f"{{{ATOM}}}link", href=post.url, rel="related", type="text/html")
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _post_time(post).isoformat()
        if post.author_name:
            ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = post.author_name
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = post.summary or post.title
        if post.licence:
            ET.SubElement(entry, f"{{{ATOM}}}rights").text = post.licence
        place = view.place(stop)
        if place is not None:
            ET.SubElement(entry, f"{{{GEORSS}}}point").text = f"{place[0]:.6f} {place[1]:.6f}"
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _post_time(post: Post) -> datetime:
    """Return when a post was published (its date at midnight UTC), else when it was created."""
    if post.published is not None:
        return datetime.combine(post.published, time(0, 0), tzinfo=timezone.utc)
    return post.created_at

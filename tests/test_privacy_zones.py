"""Privacy zones through the real app: with a zone around the start of the demo trip's first track, no public
output (pages, embeds, lines.json, photos.json, GeoJSON, GPX, the original download, preview.png, the feed, the
profile data, oEmbed's thumbnail) holds a point within the zone, for an anonymous reader and for another logged-in
author, while the owner's workspace still shows everything."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import gpxpy
import pytest
from PIL import Image
from sqlalchemy import select

from travelmap import db, preview
from travelmap.geo import decode_polyline, haversine_m
from travelmap.models import Photo, PrivacyZone, Track

from .authoring_helpers import bearer, login, make_author
from .conftest import DEMO_SLUG

T = f"/trips/{DEMO_SLUG}"
RADIUS = 1000.0
LatLon = tuple[float, float]

# [lat, lon] or the start of a [lat, lon, …] row, anywhere in a page's scripts and data.
PAIR = re.compile(r"\[\s*(-?\d{1,2}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)\s*[,\]]")
# The map's view box: its corners are no places (south-west can lie anywhere), so they are not read as points.
FIT_BOUNDS = re.compile(r"fitBounds\(\s*\[\s*\[[^\]]*\]\s*,\s*\[[^\]]*\]\s*\]")


def html_points(html: str) -> list[LatLon]:
    """Every place a page hands the browser: number pairs, the map data's encoded lines, the profile's places."""
    html = FIT_BOUNDS.sub("fitBounds(", html)
    points = [(float(a), float(b)) for a, b in PAIR.findall(html)]
    decoder = json.JSONDecoder()
    for call in re.finditer(r"travelmap(?:Trip|Photos|Story)\(", html):
        data, _ = decoder.raw_decode(html, html.index("{", call.end()))
        if isinstance(data.get("stops"), dict):  # the story's stops: {slug: [leg index, lat, lon, line, vertex]}
            points += [(row[1], row[2]) for row in data["stops"].values()]
            continue
        for leg in data.get("legs", []):
            points += [tuple(p) for line in leg["lines"] for p in decode_polyline(line)]
        if "points" in data:
            points += [tuple(p) for p in decode_polyline(data["points"])]
    profile = re.search(r'id="tm-profile-data">(.*?)</script>', html, re.S)
    if profile:
        points += [(p[2], p[3]) for p in json.loads(profile.group(1))]
    return points


def geojson_points(body: dict) -> list[LatLon]:
    points: list[LatLon] = []
    for feature in body["features"]:
        geometry = feature["geometry"]
        coords = geometry["coordinates"]
        flat = {"Point": [coords], "LineString": coords}.get(geometry["type"]) or [c for line in coords for c in line]
        points += [(lat, lon) for lon, lat in flat]
    return points


def gpx_points(text: str) -> list[LatLon]:
    gpx = gpxpy.parse(text)
    points = [(p.latitude, p.longitude) for t in gpx.tracks for s in t.segments for p in s.points]
    points += [(p.latitude, p.longitude) for r in gpx.routes for p in r.points]
    return points + [(w.latitude, w.longitude) for w in gpx.waypoints]


def feed_points(data: bytes) -> list[LatLon]:
    root = ET.fromstring(data)
    return [tuple(map(float, p.text.split())) for p in root.iter("{http://www.georss.org/georss}point")]


class Reader:
    """Fetch every public output of the demo trip and list the places each one holds."""

    def __init__(self, client, monkeypatch, structure: dict) -> None:
        self.client, self.structure = client, structure
        self.drawn: list[LatLon] = []
        original = preview._mercator

        def recording(lat: float, lon: float) -> tuple[float, float]:
            self.drawn.append((lat, lon))
            return original(lat, lon)

        monkeypatch.setattr(preview, "_mercator", recording)  # every place a preview draws goes through it

    def get(self, url: str):
        response = download(self.client, url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def outputs(self) -> dict[str, list[LatLon]]:
        legs, stops, tracks, posts = (self.structure[k] for k in ("legs", "stops", "tracks", "posts"))
        found: dict[str, list[LatLon]] = {}
        pages = ["/", T, *[f"{T}/legs/{n}" for n in legs], *[f"{T}/stops/{s}" for s in stops],
                 *[f"/posts/{p}" for p in posts], f"/embed{T}", f"/embed{T}?photos=0",
                 *[f"/embed{T}?leg={n}" for n in legs], *[f"/embed{T}?stop={s}" for s in stops],
                 f"{T}/story", f"/embed{T}/story"]
        for url in pages:
            found[url] = html_points(self.get(url).get_data(as_text=True))
        for n in legs:
            body = self.get(f"{T}/legs/{n}/lines.json").get_json()
            found[f"lines.json {n}"] = [tuple(p) for line in body["lines"] for p in decode_polyline(line)]
            found[f"leg {n}.geojson"] = geojson_points(json.loads(self.get(f"{T}/legs/{n}.geojson").data))
            found[f"leg {n}.gpx"] = gpx_points(self.get(f"{T}/legs/{n}.gpx").get_data(as_text=True))
        found["trip.geojson"] = geojson_points(json.loads(self.get(f"{T}.geojson").data))
        found["trip.geojson?photos=0"] = geojson_points(json.loads(self.get(f"{T}.geojson?photos=0").data))
        found["trip.gpx"] = gpx_points(self.get(f"{T}.gpx").get_data(as_text=True))
        for track_id in tracks:
            found[f"track {track_id}.gpx"] = gpx_points(self.get(f"{T}/tracks/{track_id}.gpx").get_data(as_text=True))
        found["feed.atom"] = feed_points(self.get(f"{T}/feed.atom").data)
        found["photos.json"] = []  # popup text only: checked for hidden photos below
        for url in (f"{T}/preview.png", f"{T}/preview.png?width=600"):
            self.drawn = []
            Image.open(io.BytesIO(self.get(url).data)).verify()
            found[url] = self.drawn
        oembed = self.get(f"/oembed?url={quote('http://localhost' + T, safe='')}&maxwidth=500").get_json()
        self.drawn = []
        self.get(oembed["thumbnail_url"].replace("http://localhost", ""))
        found["oembed thumbnail"] = self.drawn
        return found


def download(client, url: str):
    """GET a URL, read its body and close the response (a file sent from disk stays open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def within(points: list[LatLon], centre: LatLon, radius: float) -> list[LatLon]:
    return [p for p in points if haversine_m(p[0], p[1], *centre) <= radius]


@pytest.fixture
def world(seeded_app):
    """The owner's and another author's tokens, the demo trip's structure, and the first track's first point."""
    tokens = {"owner": make_author(seeded_app, "demo"), "other": make_author(seeded_app, "other")}
    client = seeded_app.test_client()
    trip = client.get(f"/api/trips/{DEMO_SLUG}", headers=bearer(tokens["owner"])).get_json()
    structure = {
        "legs": [leg["position"] for leg in trip["legs"]],
        "stops": [stop["slug"] for leg in trip["legs"] for stop in leg["stops"]],
        "tracks": [track["id"] for leg in trip["legs"] for track in leg["tracks"]],
        "posts": sorted({stop["post"] for leg in trip["legs"] for stop in leg["stops"] if stop["post"]}),
    }
    with seeded_app.app_context():
        first = db.session().get(Track, structure["tracks"][0])
        lat, lon, _, _ = next(first.segments[0].iter_points())
        photo = db.session().scalars(select(Photo).order_by(Photo.taken_at)).first()
        photo_files = (photo.id, photo.display_path, photo.thumb_path)
        original = (Path(seeded_app.config["MEDIA_DIR"]) / first.original_path).read_bytes()
    return {"tokens": tokens, "structure": structure, "start": (lat, lon), "photo": photo_files,
            "original": original, "trip": trip}


def _add_zone(seeded_app, client, world) -> SimpleNamespace:
    lat, lon = world["start"]
    response = client.post("/api/privacy-zones", json={"lat": lat, "lon": lon, "radius_m": RADIUS, "name": "Home"},
                           headers=bearer(world["tokens"]["owner"]))
    assert response.status_code == 201
    # A photo placed at home (a few metres from where the track starts): readers must not see it either.
    photo_id = world["photo"][0]
    moved = client.patch(f"/api/trips/{DEMO_SLUG}/photos/{photo_id}", json={"lat": lat + 0.001, "lon": lon},
                         headers=bearer(world["tokens"]["owner"]))
    assert moved.status_code == 200
    with seeded_app.app_context():
        row = db.session().get(PrivacyZone, response.get_json()["id"])
        return SimpleNamespace(id=row.id, lat=row.lat, lon=row.lon, hidden_lat=row.hidden_lat,
                               hidden_lon=row.hidden_lon, hidden_radius_m=row.hidden_radius_m)


@pytest.mark.parametrize("reader", ["anonymous", "another author"])
def test_no_public_output_holds_a_point_within_a_privacy_zone(seeded_app, world, monkeypatch, reader):
    client = seeded_app.test_client()
    if reader == "another author":
        login(client, "other")
    outputs = Reader(client, monkeypatch, world["structure"])
    before = outputs.outputs()
    # The check can fail: without the zone the start of the route is everywhere.
    exposed = {url for url, points in before.items() if within(points, world["start"], RADIUS)}
    assert {T, "/", f"{T}/legs/1", f"/embed{T}", "trip.geojson", "trip.gpx", f"{T}/preview.png",
            "lines.json 1", f"track {world['structure']['tracks'][0]}.gpx", "feed.atom"} <= exposed

    zone = _add_zone(seeded_app, seeded_app.test_client(), world)
    hidden_centre, hidden_radius = (zone.hidden_lat, zone.hidden_lon), zone.hidden_radius_m
    after = outputs.outputs()
    for url, points in after.items():
        assert within(points, world["start"], RADIUS) == [], url
        # Nor within the circle the zone is cut at (less a metre or so of rounding to 5 decimals).
        assert within(points, hidden_centre, hidden_radius - 2) == [], url
    # The route is still there outside the zone.
    assert len(after[T]) > 100 and len(after["trip.gpx"]) > 1000

    photo_id, display, thumb = world["photo"]
    assert str(photo_id) not in client.get(f"{T}/photos.json").get_json()
    for url in (f"/media/{display}", f"/media/{thumb}", f"{T}/photos/{photo_id}/thumb.jpg",
                f"{T}/photos/{photo_id}/display.jpg"):
        assert client.get(url).status_code == 404, url
    for url in [T, *[f"{T}/stops/{s}" for s in world["structure"]["stops"]],
                *[f"/posts/{p}" for p in world["structure"]["posts"]]]:
        page = client.get(url).get_data(as_text=True)
        assert display not in page and thumb not in page, url


def test_the_original_download_becomes_the_filtered_track_only_while_a_zone_touches_it(seeded_app, world):
    client = seeded_app.test_client()
    first, second = world["structure"]["tracks"][:2]
    assert download(client, f"{T}/tracks/{first}.gpx").data == world["original"]
    zone = _add_zone(seeded_app, client, world)
    response = download(client, f"{T}/tracks/{first}.gpx")
    assert response.status_code == 200
    assert response.data != world["original"]
    assert 'attachment; filename=01-beijing-to-hohhot.gpx' in response.headers["Content-Disposition"]
    points = gpx_points(response.get_data(as_text=True))
    assert points and not within(points, world["start"], RADIUS)
    # A track the zone does not touch is still the file as uploaded.
    with seeded_app.app_context():
        track = db.session().get(Track, second)
        untouched = (Path(seeded_app.config["MEDIA_DIR"]) / track.original_path).read_bytes()
    assert download(client, f"{T}/tracks/{second}.gpx").data == untouched
    # Deleting the zone gives the original back at once.
    client.delete(f"/api/privacy-zones/{zone.id}", headers=bearer(world["tokens"]["owner"]))
    assert download(client, f"{T}/tracks/{first}.gpx").data == world["original"]


def test_a_waypoint_in_a_zone_withholds_the_original_file_even_when_no_track_point_is_in_it(seeded_app, world):
    client = seeded_app.test_client()
    first = world["structure"]["tracks"][0]
    with seeded_app.app_context():
        waypoint = gpxpy.parse(world["original"].decode()).waypoints[0]
    client.post("/api/privacy-zones", json={"lat": waypoint.latitude + 0.05, "lon": waypoint.longitude,
                                            "radius_m": 100}, headers=bearer(world["tokens"]["owner"]))
    assert download(client, f"{T}/tracks/{first}.gpx").data == world["original"]  # 5 km away: the file is served
    client.post("/api/privacy-zones", json={"lat": waypoint.latitude, "lon": waypoint.longitude, "radius_m": 100},
                headers=bearer(world["tokens"]["owner"]))
    served = download(client, f"{T}/tracks/{first}.gpx")
    assert served.data != world["original"]
    assert not within(gpx_points(served.get_data(as_text=True)), (waypoint.latitude, waypoint.longitude), 100)


def test_readers_see_the_stats_of_what_is_shown_not_of_the_hidden_part(seeded_app, world):
    client = seeded_app.test_client()
    full = json.loads(client.get(f"{T}/legs/1.geojson").data)["features"][0]["properties"]["distance_m"]
    _add_zone(seeded_app, client, world)
    shown = json.loads(client.get(f"{T}/legs/1.geojson").data)["features"][0]["properties"]["distance_m"]
    assert full - 6000 < shown < full - 1000  # at least the kilometre to the zone's edge is gone, not much more
    owner = client.get(f"/api/trips/{DEMO_SLUG}", headers=bearer(world["tokens"]["owner"])).get_json()
    assert owner["legs"][0]["stats"]["distance_m"] == pytest.approx(full, abs=1)  # the owner's API is whole


def test_a_stop_in_a_zone_keeps_its_name_and_post_for_readers_but_not_its_place(seeded_app, world):
    client = seeded_app.test_client()
    _add_zone(seeded_app, client, world)
    page = client.get(f"{T}/stops/beijing").get_data(as_text=True)
    assert "Beijing" in page and "Beijing to Hohhot by road" in page
    assert "The author keeps this place private" in page
    trip_page = client.get(T).get_data(as_text=True)
    assert 'data-stop="beijing"' in trip_page  # still in the timeline
    features = json.loads(client.get(f"{T}.geojson").data)["features"]
    assert "Beijing" not in [f["properties"]["name"] for f in features if f["properties"]["kind"] == "stop"]


def test_the_owner_still_sees_everything_in_the_workspace_with_the_hidden_parts_marked(seeded_app, world):
    client = seeded_app.test_client()
    zone = _add_zone(seeded_app, client, world)
    login(client, "demo")
    picker = client.get(f"/author/trips/{DEMO_SLUG}/stops/new").get_data(as_text=True)
    assert within(html_points(picker), world["start"], 10)  # the whole route and the Beijing stop
    trip = client.get(f"/author/trips/{DEMO_SLUG}").get_data(as_text=True)
    assert "In a privacy zone" in trip  # the Beijing stop is flagged
    assert "Readers see its name, times and post, but not its place" in trip
    photos = client.get(f"/author/trips/{DEMO_SLUG}/photos").get_data(as_text=True)
    assert "In a privacy zone: readers do not see this photo" in photos
    _, display, thumb = world["photo"]
    assert thumb in photos and download(client, f"/media/{thumb}").status_code == 200  # the owner's own copy
    assert download(client, f"/media/{display}").status_code == 200
    zones = client.get("/author/privacy").get_data(as_text=True)
    assert "Home" in zones and f"{zone.lat:.5f}" in zones
    # The owner's own view of the reader pages is the readers' view: what they would share is what they see.
    assert not within(html_points(client.get(T).get_data(as_text=True)), world["start"], RADIUS)


def test_a_backup_carries_its_owners_zones_and_the_restored_trip_is_cut_at_the_same_hidden_circles(
        seeded_app, world, tmp_path):
    import zipfile

    from travelmap.services.accounts import create_author
    from travelmap.services.archive import default_owner, export_trip, import_trip

    from .conftest import make_app

    client = seeded_app.test_client()
    zone = _add_zone(seeded_app, client, world)
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalar(select(Track).where(Track.id == world["structure"]["tracks"][0])).leg.trip
        out = io.BytesIO()
        export_trip(s, trip, Path(seeded_app.config["MEDIA_DIR"]), out)
    entries = json.loads(zipfile.ZipFile(io.BytesIO(out.getvalue())).read("trip.json"))["privacy_zones"]
    assert [(e["lat"], e["lon"], e["radius_m"], e["hidden"]["radius_m"]) for e in entries] == [
        (zone.lat, zone.lon, RADIUS, zone.hidden_radius_m)]

    other = make_app(tmp_path / "other")  # another instance: another secret key would choose another circle
    with other.app_context():
        s = db.session()
        create_author(s, "ann", "correct horse battery")
        notes: list[str] = []
        import_trip(s, io.BytesIO(out.getvalue()), Path(other.config["MEDIA_DIR"]), default_owner(s, "ann"),
                    notes=notes)
        import_trip(s, io.BytesIO(out.getvalue()), Path(other.config["MEDIA_DIR"]), default_owner(s, "ann"),
                    "again", notes=notes)  # the same zone is not added twice
        s.commit()
        rows = s.scalars(select(PrivacyZone)).all()
        assert [(r.hidden_lat, r.hidden_lon, r.hidden_radius_m) for r in rows] == [
            (zone.hidden_lat, zone.hidden_lon, zone.hidden_radius_m)]
    assert any("privacy zone" in note for note in notes)
    page = other.test_client().get(T).get_data(as_text=True)
    assert html_points(page) and not within(html_points(page), world["start"], RADIUS)


@pytest.mark.parametrize("hidden", [
    {"lat": 0.0, "lon": 0.0, "radius_m": 2500.0},  # far away: it does not hold the zone
    {"lat": 39.9, "lon": 116.4, "radius_m": 50.0},  # smaller than the zone
    {"lat": "x", "lon": 116.4, "radius_m": 3000.0},
    None,
])
def test_a_backup_whose_zone_is_not_held_by_its_hidden_circle_is_refused(seeded_app, world, tmp_path, hidden):
    import zipfile

    from travelmap.errors import InvalidInput
    from travelmap.services.archive import default_owner, export_trip, import_trip

    from .conftest import count_rows

    _add_zone(seeded_app, seeded_app.test_client(), world)
    with seeded_app.app_context():
        s = db.session()
        trip = s.scalar(select(Track).where(Track.id == world["structure"]["tracks"][0])).leg.trip
        out = io.BytesIO()
        export_trip(s, trip, Path(seeded_app.config["MEDIA_DIR"]), out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    document = json.loads(source.read("trip.json"))
    document["privacy_zones"][0]["hidden"] = hidden
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as zf:
        for name in source.namelist():
            zf.writestr(name, json.dumps(document) if name == "trip.json" else source.read(name))
    with seeded_app.app_context():
        s = db.session()
        before = count_rows(s)
        with pytest.raises(InvalidInput, match="privacy zone 1"):
            import_trip(s, io.BytesIO(changed.getvalue()), Path(seeded_app.config["MEDIA_DIR"]),
                        default_owner(s, "demo"), "copy")
        s.rollback()
        assert count_rows(s) == before

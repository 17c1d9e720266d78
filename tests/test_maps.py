"""The trip map as folium objects: a layer per leg, numbered stops with post links, tracks, bounds."""

from __future__ import annotations

import folium
import pytest
from flask import Flask

from travelmap import geo, maps
from travelmap.assets import map_assets
from travelmap.localtime import local_time
from travelmap.redaction import EVERYTHING
from travelmap.services.trips import trip_by_slug, trip_photos
from travelmap.views.maplinks import detail_url, links, tiles

from .conftest import DEMO_SLUG


@pytest.fixture
def trip_map(seeded_app: Flask):  # type: ignore[no-untyped-def]
    """Build the demo trip's map inside a request context (for url_for)."""
    with seeded_app.test_request_context():
        from travelmap import db

        trip = trip_by_slug(db.session(), DEMO_SLUG, lines=True)
        m = maps.build_trip_map(
            trip,
            tiles=tiles(),
            assets=map_assets(),
            links=links(trip),
            photos=trip_photos(db.session(), trip),
            detail_url=detail_url(trip),
            view=EVERYTHING,
        )
        yield trip, m


def of_type(m: folium.Map, kind: type) -> list:
    return [e for e in maps.walk(m) if isinstance(e, kind)]


def test_each_leg_is_its_own_layer_in_the_layer_control(trip_map):
    trip, m = trip_map
    groups = of_type(m, folium.FeatureGroup)
    leg_groups = [g for g in groups if "Photos" not in g.layer_name]
    assert len(leg_groups) == 3
    for group, leg in zip(leg_groups, trip.legs):
        assert leg.name in group.layer_name and leg.colour in group.layer_name
    assert len(of_type(m, folium.LayerControl)) == 1


def trip_data(m: folium.Map) -> dict:
    (element,) = of_type(m, maps.TripData)
    return element.data


def test_every_stop_is_a_numbered_row_whose_popup_links_to_its_post(trip_map):
    trip, m = trip_map
    rows = trip_data(m)["stops"]
    assert len(rows) == len(trip.stops()) == 8
    for n, (row, stop) in enumerate(zip(rows, trip.stops()), start=1):
        lat, lon, number, name, colour, when, iso, post_url, slug, leg_index, ink = row
        assert (lat, lon, number, name, slug) == (stop.lat, stop.lon, n, stop.name, stop.slug)
        assert post_url == f"/posts/{stop.post.slug}" and colour == stop.leg.colour
        assert ink == "#ffffff"  # the demo's legs are dark enough for white numbers
        assert trip.legs[leg_index] is stop.leg


def test_popups_show_the_local_arrival_date_not_utc(trip_map):
    trip, m = trip_map
    hohhot = next(s for s in trip.stops() if s.slug == "hohhot")
    local = local_time(hohhot.arrived_at, hohhot.timezone)
    row = next(r for r in trip_data(m)["stops"] if r[8] == "hohhot")
    assert local.strftime("%H:%M") in row[5] and row[6].endswith("+08:00")


def test_tracks_are_drawn_from_the_stored_overview_lines_and_zoom_in_to_the_detailed_ones(trip_map, seeded_app):
    trip, m = trip_map
    legs = trip_data(m)["legs"]
    for entry, leg in zip(legs, trip.legs[:2]):
        stored = [part["line"] for track in leg.tracks for part in track.lines["overview"]]
        assert entry["lines"] == stored and entry["detail"].startswith(
            f"/trips/{DEMO_SLUG}/legs/{leg.position}/lines.json"
        )
        detail = seeded_app.test_client().get(entry["detail"]).json
        assert detail["lines"] == [part["line"] for track in leg.tracks for part in track.lines["display"]]
        overview_points = sum(len(geo.decode_polyline(x)) for x in entry["lines"])
        detail_points = sum(len(geo.decode_polyline(x)) for x in detail["lines"])
        assert overview_points < detail_points < leg_points(leg)
    assert trip_data(m)["detailZoom"] == maps.DETAIL_ZOOM


def leg_points(leg) -> int:  # type: ignore[no-untyped-def]
    return sum(t.point_count for t in leg.tracks)


def test_the_train_leg_is_a_dashed_line_from_its_first_to_its_last_stop(trip_map):
    trip, m = trip_map
    train = trip.legs[2]
    first, last = train.stops[0], train.stops[-1]
    entry = trip_data(m)["legs"][2]
    assert entry["dash"] is True and len(entry["lines"]) == 1
    assert geo.decode_polyline(entry["lines"][0]) == [
        [round(first.lat, 5), round(first.lon, 5)],
        [round(last.lat, 5), round(last.lon, 5)],
    ]


def test_the_map_is_fitted_to_the_whole_trip(trip_map):
    trip, m = trip_map
    fits = of_type(m, folium.FitBounds)
    assert len(fits) == 1
    (south, west), (north, east) = fits[0].bounds
    for stop in trip.stops():
        assert south <= stop.lat <= north and west <= stop.lon <= east
    assert north - south < 3 and east - west < 8  # fitted, not the whole world


def test_photos_sit_in_one_clustered_layer_built_from_compact_data(trip_map, seeded_app):
    trip, m = trip_map
    (layer,) = of_type(m, maps.PhotoLayer)
    data = layer.data
    places = geo.decode_polyline(data["points"])
    photos = {p.id: p for p in trip.photos}
    assert len(places) == len(data["ids"]) == 8
    for (lat, lon), photo_id in zip(places, data["ids"]):
        assert abs(lat - photos[photo_id].lat) < 1e-5 and abs(lon - photos[photo_id].lon) < 1e-5
    assert not list(of_type(m, folium.Marker))  # no folium object per photo (or stop)
    assert len(layer.data_js) < 8 * 40 + 60  # bytes a photo, plus the map origin and the display-copy address
    client = seeded_app.test_client()
    thumb = client.get(f"{data['thumb'][0]}{data['ids'][0]}{data['thumb'][1]}")
    thumb.close()  # a file sent from disk stays open until its response is closed, as a WSGI server does
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    details = client.get(data["details"]).json
    baotou = next(row for row in details.values() if row[2] == "Baotou city centre")
    assert baotou[3].endswith("/stops/baotou") and baotou[5] == "/posts/baotou-capital-of-rare-earths"
    assert "October 2010" in baotou[1]


def test_a_trip_that_blurs_photo_places_rounds_them_to_about_a_kilometre(trip_map):
    from travelmap.geo import haversine_m

    trip, _ = trip_map
    exact = maps.photo_places(trip.photos, blur=False)
    blurred = maps.photo_places(trip.photos, blur=True)
    moved = [haversine_m(e[1], e[2], b[1], b[2]) for e, b in zip(exact, blurred)]
    assert len(moved) == 8 and all(d < 1000 for d in moved) and max(moved) > 50
    assert all(round(b[1] * 100, 6) == round(b[1] * 100) for b in blurred)


def test_a_leg_map_shows_only_that_leg(seeded_app):
    with seeded_app.test_request_context():
        from travelmap import db

        trip = trip_by_slug(db.session(), DEMO_SLUG, lines=True)
        m = maps.build_trip_map(trip, leg=trip.legs[1], tiles=tiles(), assets=map_assets(), links=links(),
                                view=EVERYTHING)
        groups = [g for g in of_type(m, folium.FeatureGroup) if "Photos" not in g.layer_name]
        assert [g.layer_name.split(". ", 1)[1] for g in groups] == ["Baotou"]
        (south, west), (north, east) = of_type(m, folium.FitBounds)[0].bounds
        assert west > 109 and east < 111.8  # Beijing is not in view


def test_no_tiles_setting_still_builds_a_working_map(seeded_app):
    with seeded_app.test_request_context():
        from travelmap import db

        trip = trip_by_slug(db.session(), DEMO_SLUG, lines=True)
        m = maps.build_trip_map(trip, tiles=maps.Tiles("", ""), assets=map_assets(), links=links(),
                                view=EVERYTHING)
        assert not of_type(m, folium.TileLayer)
        script = maps.render_parts(m).script
        assert "travelmapTrip(" in script
        # Without a tile layer Leaflet knows no maximum zoom, and fitBounds throws "Map has no maxZoom specified"
        # before a single stop is drawn: the map states its own.
        assert '"maxZoom": 19' in script

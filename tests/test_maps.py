"""The trip map as folium objects: a layer per leg, numbered stops with post links, tracks, bounds."""

from __future__ import annotations

import folium
import pytest
from flask import Flask

from travelmap import maps
from travelmap.assets import map_assets
from travelmap.services.trips import trip_by_slug
from travelmap.views.helpers import links, tiles, trip_photos

from .conftest import DEMO_SLUG


@pytest.fixture
def trip_map(seeded_app: Flask):  # type: ignore[no-untyped-def]
    """Build the demo trip's map inside a request context (for url_for)."""
    with seeded_app.test_request_context():
        from travelmap import db

        trip = trip_by_slug(db.session(), DEMO_SLUG)
        m = maps.build_trip_map(trip, tiles=tiles(), assets=map_assets(), links=links(), photos=trip_photos(trip))
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


def test_every_stop_is_a_numbered_marker_whose_popup_links_to_its_post(trip_map):
    trip, m = trip_map
    stop_markers = [mk for mk in of_type(m, folium.Marker) if 'class="tm-pin"' in str(getattr(mk.icon, "options", {}))
                    or "tm-pin" in mk.icon.options.get("html", "")]
    assert len(stop_markers) == len(trip.stops()) == 8
    popups = {p._parent.location[0]: p.html for p in of_type(m, maps.SafePopup) if "tm-popup-link" in p.html}
    for n, stop in enumerate(trip.stops(), start=1):
        html = popups[stop.lat]
        assert f">{n}. {stop.name}<" in html
        assert f'href="/posts/{stop.post.slug}"' in html and "Read the post" in html
        assert "Arrived" in html


def test_popups_show_the_local_arrival_date_not_utc(trip_map):
    trip, m = trip_map
    hohhot = next(s for s in trip.stops() if s.slug == "hohhot")
    local = maps.local_time(hohhot.arrived_at, hohhot.timezone)
    html = next(p.html for p in of_type(m, maps.SafePopup) if p._parent.location[0] == hohhot.lat)
    assert local.strftime("%H:%M") in html and local.utcoffset().total_seconds() == 8 * 3600


def test_tracks_are_drawn_from_the_stored_simplified_geometry(trip_map):
    trip, m = trip_map
    lines = [pl for pl in of_type(m, folium.PolyLine)]
    drawn = {tuple(map(tuple, pl.locations)) for pl in lines}
    for leg in trip.legs[:2]:
        for track in leg.tracks:
            for part in track.display_geometry:
                assert tuple(map(tuple, part["coords"])) in drawn


def test_the_train_leg_is_a_dashed_line_from_its_first_to_its_last_stop(trip_map):
    trip, m = trip_map
    train = trip.legs[2]
    first, last = train.stops[0], train.stops[-1]
    dashed = [pl for pl in of_type(m, folium.PolyLine) if pl.options.get("dashArray") == "8 10"]
    assert len(dashed) == 1
    assert [list(p) for p in dashed[0].locations] == [[first.lat, first.lon], [last.lat, last.lon]]


def test_the_map_is_fitted_to_the_whole_trip(trip_map):
    trip, m = trip_map
    fits = of_type(m, folium.FitBounds)
    assert len(fits) == 1
    (south, west), (north, east) = fits[0].bounds
    for stop in trip.stops():
        assert south <= stop.lat <= north and west <= stop.lon <= east
    assert north - south < 3 and east - west < 8  # fitted, not the whole world


def test_photos_sit_in_one_clustered_layer_built_from_compact_rows(trip_map):
    trip, m = trip_map
    layers = of_type(m, maps.PhotoLayer)
    assert len(layers) == 1 and len(layers[0].rows) == 8
    assert not [mk for mk in of_type(m, folium.Marker) if "tm-photo" in mk.icon.options.get("html", "")]
    row = next(r for r in layers[0].rows if r[5] == "Baotou city centre")
    assert row[2].startswith("/media/thumbs/") and row[6].endswith("/stops/baotou")
    assert row[8] == "/posts/baotou-capital-of-rare-earths"
    script = maps.render_parts(m).script
    assert script.count("bindPopup(") == 8  # the stops; photo popups are made in the browser


def test_a_trip_that_blurs_photo_places_rounds_them_to_about_a_kilometre(trip_map):
    from travelmap.geo import haversine_m

    trip, _ = trip_map
    links = maps.Links(post=lambda p: "/p", trip=lambda t: "/t", thumb=lambda p: "/th", stop=lambda s: "/s",
                       display=lambda p: "/d")
    exact = maps.photo_rows(trip.photos, links, blur=False)
    blurred = maps.photo_rows(trip.photos, links, blur=True)
    moved = [haversine_m(e[0], e[1], b[0], b[1]) for e, b in zip(exact, blurred)]
    assert len(moved) == 8 and all(d < 1000 for d in moved) and max(moved) > 50
    assert all(round(b[0] * 100, 6) == round(b[0] * 100) for b in blurred)


def test_a_leg_map_shows_only_that_leg(seeded_app):
    with seeded_app.test_request_context():
        from travelmap import db

        trip = trip_by_slug(db.session(), DEMO_SLUG)
        m = maps.build_trip_map(trip, leg=trip.legs[1], tiles=tiles(), assets=map_assets(), links=links())
        groups = [g for g in of_type(m, folium.FeatureGroup) if "Photos" not in g.layer_name]
        assert [g.layer_name.split(". ", 1)[1] for g in groups] == ["Baotou"]
        (south, west), (north, east) = of_type(m, folium.FitBounds)[0].bounds
        assert west > 109 and east < 111.8  # Beijing is not in view


def test_no_tiles_setting_still_builds_a_working_map(seeded_app):
    with seeded_app.test_request_context():
        from travelmap import db

        trip = trip_by_slug(db.session(), DEMO_SLUG)
        m = maps.build_trip_map(trip, tiles=maps.Tiles("", ""), assets=map_assets(), links=links())
        assert not of_type(m, folium.TileLayer)
        assert "L.polyline" in maps.render_parts(m).script

"""What readers see once zones apply (travelmap/redaction.py), on model objects without an app: tracks cut and
measured again, stops without a place, photos withheld, and nothing changed where no zone comes near."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from travelmap.geo import haversine_m
from travelmap.models import Leg, Photo, Stop, Track, TrackSegment, Trip
from travelmap.privacy import Circle, destination
from travelmap.redaction import EVERYTHING, Redaction
from travelmap.trackstats import totals

HOME = (50.0, 8.0)
T0 = 1_588_320_000.0


def a_track(track_id: int = 1, start=HOME, bearing_deg: float = 0.0, n: int = 200, step_m: float = 20.0) -> Track:
    """A walk from start along a bearing, a point every step_m metres and 10 s, climbing a metre a point."""
    points = []
    for i in range(n):
        lat, lon = destination(*start, math.radians(bearing_deg), i * step_m)
        points.append((lat, lon, 100.0 + i, T0 + 10 * i))
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    track = Track(id=track_id, name="Walk", distance_m=(n - 1) * step_m, ascent_m=float(n - 1), descent_m=0.0,
                  duration_s=10.0 * (n - 1), moving_time_s=10.0 * (n - 1), point_count=n,
                  started_at=datetime.fromtimestamp(T0, timezone.utc), lines={"overview": [], "display": []},
                  profile=[], min_lat=min(lats), max_lat=max(lats), min_lon=min(lons), max_lon=max(lons))
    track.segments = [TrackSegment(position=0, point_count=n, planned=False, points=TrackSegment.pack(*zip(*points)))]
    return track


def a_trip(*tracks: Track) -> Trip:
    trip = Trip(id=1, slug="t", title="T", blur_photo_locations=False)
    leg = Leg(id=1, position=1, name="Walk", colour="#c2410c", tracks=list(tracks))
    train = Leg(id=2, position=2, name="Train", colour="#0f766e", transport="train")
    train.stops = [Stop(id=1, slug="home", name="Home", lat=HOME[0], lon=HOME[1], position=1),
                   Stop(id=2, slug="station", name="Station", lat=50.02, lon=8.0, position=2),
                   Stop(id=3, slug="city", name="City", lat=50.5, lon=8.5, position=3)]
    trip.legs = [leg, train]
    return trip


def test_a_track_that_leaves_a_zone_is_measured_from_where_readers_see_it():
    track = a_track()
    view = Redaction([Circle(*HOME, 310)]).track(track)
    assert view.touched and not view.hidden
    assert view.hidden_points == 16  # points 0…15 lie within 310 m (20 m apart)
    assert view.point_count == 184
    pieces = list(view.pieces())
    assert all(haversine_m(p[0], p[1], *HOME) > 310 for _, points in pieces for p in points)
    # less the 320 m to the first point shown (measured on the ellipsoid, the walk was laid out on a sphere)
    assert view.distance_m == pytest.approx(track.distance_m - 16 * 20, rel=0.005)
    assert view.started_at == datetime.fromtimestamp(T0 + 160, timezone.utc)
    assert view.duration_s == track.duration_s - 160
    assert view.bounds().south > HOME[0] + 310 / 111_320
    assert all(p[2] > HOME[0] for p in view.profile)  # [distance, elevation, lat, lon]: none from the hidden part
    assert view.lines["overview"] and view.lines["display"] and view.detail_geometry


def test_a_track_wholly_inside_a_zone_is_left_out_and_counts_for_nothing():
    short = a_track(2, n=5)
    trip = a_trip(a_track(1, bearing_deg=90), short)
    view = Redaction([Circle(*HOME, 310)])
    assert view.track(short).hidden
    assert [t.id for t in view.tracks(trip.legs[0])] == [1]
    assert totals(view.tracks(trip.legs[0])).points == 200 - 16


def test_where_no_zone_comes_near_the_stored_track_is_what_readers_get():
    track = a_track()
    view = Redaction([Circle(10.0, 10.0, 5000)]).track(track)
    assert not view.touched
    assert view.lines is track.lines and view.distance_m == track.distance_m and view.point_count == 200
    assert EVERYTHING.track(track).distance_m == track.distance_m


def test_a_stop_in_a_zone_has_no_place_and_the_train_line_starts_at_the_first_stop_readers_may_place():
    trip = a_trip(a_track())
    view = Redaction([Circle(*HOME, 310)])
    home, station, city = trip.legs[1].stops
    assert view.place(home) is None and view.place(station) == (50.02, 8.0)
    assert view.untracked_line(trip.legs[1]) == [(50.02, 8.0), (50.5, 8.5)]
    assert EVERYTHING.untracked_line(trip.legs[1]) == [HOME, (50.5, 8.5)]
    box = view.leg_bounds(trip.legs[1])
    assert box is not None and box.south == 50.02


def test_a_photo_in_a_zone_is_withheld_and_so_is_one_whose_blurred_place_falls_in_it():
    trip = a_trip(a_track())
    inside = Photo(id=1, lat=HOME[0] + 0.001, lon=HOME[1], trip=trip)
    outside = Photo(id=2, lat=50.1, lon=8.1, trip=trip)
    unplaced = Photo(id=3, lat=None, lon=None, trip=trip)
    near = Photo(id=4, lat=HOME[0] + 0.0045, lon=HOME[1], trip=trip)  # 500 m away; blurred, it lands on HOME
    view = Redaction([Circle(*HOME, 310)])
    assert view.photos([inside, outside, unplaced, near]) == [outside, unplaced, near]
    trip.blur_photo_locations = True
    assert view.photos([inside, outside, unplaced, near]) == [outside, unplaced]
    assert EVERYTHING.photos([inside, near]) == [inside, near]

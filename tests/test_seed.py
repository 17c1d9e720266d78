"""Seeding the demo trip from data/: complete, linked, placed, and idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from travelmap import db
from travelmap.models import Photo, Post, Stop, Track, Trip
from travelmap.services.seed import seed_trip

from .conftest import DATA_DIR, DEMO_SLUG, count_rows, media_files


def test_the_demo_trip_has_three_legs_in_order(session):
    trip = session.scalars(select(Trip).where(Trip.slug == DEMO_SLUG)).one()
    assert [leg.name for leg in trip.legs] == ["Inner Mongolia", "Baotou", "Beijing"]
    assert [leg.position for leg in trip.legs] == [1, 2, 3]
    assert trip.legs[2].transport == "train" and not trip.legs[2].tracks
    assert all(leg.tracks for leg in trip.legs[:2])


def test_the_demo_stops_are_where_the_issue_puts_them(session):
    stops = {s.slug: s for s in session.scalars(select(Stop))}
    assert abs(stops["hohhot"].lat - 40.8424) < 1e-4 and abs(stops["hohhot"].lon - 111.7490) < 1e-4
    assert abs(stops["baotou"].lat - 40.6574) < 1e-4 and abs(stops["baotou"].lon - 109.8403) < 1e-4
    assert abs(stops["bayan-obo"].lat - 41.77) < 0.05 and abs(stops["bayan-obo"].lon - 109.97) < 0.05
    assert all(s.post is not None for s in stops.values())
    assert all(s.arrived_at.tzinfo is not None for s in stops.values())


def test_the_baotou_stop_links_to_go_katayamas_post_with_its_licence(session):
    baotou = session.scalars(select(Stop).where(Stop.slug == "baotou")).one()
    post = baotou.post
    assert post.title == "[Natural Resources] Baotou, Inner Mongolia the 'Capital of Rare Earths'"
    assert post.author_name == "Go Katayama"
    assert post.licence == "CC BY-SA 3.0 Unported"
    assert post.url.startswith("https://gokatayama.com")
    assert post.summary and not post.demo


def test_every_other_post_is_marked_as_demo_content(session):
    posts = session.scalars(select(Post).where(Post.slug != "baotou-capital-of-rare-earths")).all()
    assert posts and all(p.demo for p in posts)


def test_tracks_keep_every_point_and_a_much_smaller_display_geometry(session):
    for track in session.scalars(select(Track)):
        stored = sum(seg.point_count for seg in track.segments)
        points = [p for seg in track.segments for p in seg.iter_points()]
        assert stored == track.point_count == len(points)
        drawn = sum(len(part["coords"]) for part in track.display_geometry)
        assert 2 <= drawn < track.point_count / 2
        assert track.distance_m > 1000 and track.started_at < track.ended_at


def test_stored_points_are_exactly_the_gpx_points(session):
    import gpxpy

    track = session.scalars(select(Track).order_by(Track.started_at)).first()
    gpx = gpxpy.parse((DATA_DIR / "gpx" / track.original_name).read_text(encoding="utf-8"))
    original = [(p.latitude, p.longitude, p.elevation, p.time.timestamp())
                for t in gpx.tracks for s in t.segments for p in s.points]
    stored = [p for seg in track.segments for p in seg.iter_points()]
    assert stored == original


def test_photos_are_placed_from_exif_or_from_the_track(session):
    photos = session.scalars(select(Photo)).all()
    sources = {p.original_name: p.location_source for p in photos}
    assert "track" in sources.values(), "the photo without GPS should be placed from the track"
    assert all(p.lat is not None and p.taken_at is not None for p in photos)
    assert all(p.utc_offset_min == 480 for p in photos)


def test_seeding_twice_adds_nothing(seeded_app):
    with seeded_app.app_context():
        session = db.session()
        before, files_before = count_rows(session), media_files(seeded_app)
        trip, created = seed_trip(session, DATA_DIR, Path(seeded_app.config["MEDIA_DIR"]))
        session.commit()
        assert not created and trip.slug == DEMO_SLUG
        assert count_rows(session) == before
    assert media_files(seeded_app) == files_before


def test_seed_and_init_db_commands_work_from_an_empty_database(runner, app):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Loaded demo trip" in result.output
    result = runner.invoke(args=["seed"])
    assert "Already present" in result.output
    with app.app_context():
        assert db.session().scalar(select(Trip.slug)) == DEMO_SLUG

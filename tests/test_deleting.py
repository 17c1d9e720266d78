"""Every delete path (trip, leg, track, stop, photo, post, token), through the API and the workspace, on an
entity that holds children: the rows that belong to it go, the rows that only point at it stay (unlinked),
and a media file goes after the commit exactly when no remaining row uses it (another trip holding the same
content keeps it). Runs on SQLite and, with TRAVELMAP_TEST_BACKEND=postgresql, on PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from travelmap import db
from travelmap.models import ApiToken, Leg, Photo, Post, Stop, Track, TrackSegment, Trip
from travelmap.services.authoring import delete_leg, delete_track
from travelmap.services.maintenance import check
from travelmap.services.trips import trip_by_slug

from .authoring_helpers import bearer, csrf_token, login, make_author, post_form
from .conftest import DEMO_SLUG, count_rows, media_files

T = f"/trips/{DEMO_SLUG}"
TWIN = "twin-trip"


@dataclass
class Site:
    """The seeded app with its owner logged in (client) and a token, and a second trip of the owner that
    holds the same GPX file as the demo trip's track `shared_track` and the same photo as `shared_photo`."""

    app: Flask
    token: str
    client: FlaskClient
    shared_track: int
    shared_photo: int

    def query(self, fn: Callable) -> object:  # type: ignore[type-arg]
        with self.app.app_context():
            return fn(db.session())


@pytest.fixture
def site(seeded_app: Flask) -> Site:
    token = make_author(seeded_app, "demo")
    media = Path(seeded_app.config["MEDIA_DIR"])
    with seeded_app.app_context():
        s = db.session()
        track = s.scalars(select(Track).join(Leg).where(Leg.position == 2).order_by(Track.id)).first()
        photo = s.scalars(select(Photo).where(Photo.stop_id.is_not(None), Photo.leg_id == track.leg_id)
                          .order_by(Photo.id)).first()
        gpx, jpeg = (media / track.original_path).read_bytes(), (media / photo.original_path).read_bytes()
        shared_track, shared_photo = track.id, photo.id
    api = seeded_app.test_client()
    auth = bearer(token)
    assert api.post("/api/trips", json={"title": "Twin", "slug": TWIN}, headers=auth).status_code == 201
    assert api.post(f"/api/trips/{TWIN}/legs", json={"name": "Only"}, headers=auth).status_code == 201
    response = api.post(f"/api/trips/{TWIN}/legs/1/tracks", data={"file": (io.BytesIO(gpx), "same.gpx")},
                        headers=auth, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    response = api.post(f"/api/trips/{TWIN}/photos", data={"file": (io.BytesIO(jpeg), "same.jpg")},
                        headers=auth, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    client = seeded_app.test_client()
    login(client, "demo")
    return Site(seeded_app, token, client, shared_track, shared_photo)


def files_of(session, rows: list) -> set[str]:  # type: ignore[no-untyped-def]
    """The media paths the given track and photo rows use."""
    paths: set[str] = set()
    for row in rows:
        if isinstance(row, Track):
            paths.add(row.original_path)
        else:
            paths |= {row.original_path, row.display_path, row.thumb_path}
    return paths


def demo_trip(session) -> Trip:  # type: ignore[no-untyped-def]
    return session.scalar(select(Trip).where(Trip.slug == DEMO_SLUG))


def assert_media_agrees_with_rows(site: Site) -> None:
    """Every file has a row and every row has its files (no orphan left, nothing still used removed)."""
    report = site.query(lambda s: check(s, Path(site.app.config["MEDIA_DIR"])))
    assert report.orphaned == [] and report.missing == [], report  # type: ignore[attr-defined]


def delete(site: Site, way: str, api_url: str, form_url: str | None, action: str | None = None) -> None:
    """Delete through the API (DELETE, 204) or the workspace (the confirmation form, or a button on a page)."""
    if way == "api":
        response = site.client.delete(f"/api{api_url}", headers=bearer(site.token))
        assert response.status_code == 204, response.get_data(as_text=True)
    else:
        assert form_url is not None
        response = post_form(site.client, form_url, {}, action)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]


WAYS = ["api", "workspace"]


@pytest.mark.parametrize("way", WAYS)
def test_deleting_a_track_removes_its_segments_and_its_file_unless_another_trip_holds_it(site, way):
    for track_id, shared in ((site.shared_track, True), (None, False)):
        def find(s, track_id=track_id):  # type: ignore[no-untyped-def]
            trip = demo_trip(s)
            tracks = [t for leg in trip.legs for t in leg.tracks]
            track = next(t for t in tracks if t.id == track_id) if track_id else tracks[0]
            return track.id, files_of(s, [track]), trip.revision
        track_id, paths, revision = site.query(find)
        before = site.query(count_rows)
        segments = site.query(lambda s, i=track_id: len(s.get(Track, i).segments))
        assert segments >= 1
        delete(site, way, f"{T}/tracks/{track_id}", f"/author{T}", f"/author{T}/tracks/{track_id}/delete")
        after = site.query(count_rows)
        assert after["tracks"] == before["tracks"] - 1
        assert after["track_segments"] == before["track_segments"] - segments
        assert site.query(lambda s, i=track_id: s.get(Track, i)) is None
        assert site.query(lambda s, i=track_id: s.scalars(select(TrackSegment).where(TrackSegment.track_id == i))
                          .all()) == []
        assert site.query(lambda s: demo_trip(s).revision) > revision
        on_disk = set(media_files(site.app))
        assert paths <= on_disk if shared else not paths & on_disk
        assert_media_agrees_with_rows(site)
    assert site.client.get(f"{T}/legs/1").status_code == 200
    assert site.client.get(f"{T}/legs/2").status_code == 200


def test_deleting_a_track_of_another_trip_or_author_or_none_at_all_is_refused_and_changes_nothing(site):
    auth = bearer(site.token)
    twin_track = site.query(lambda s: s.scalar(select(Track.id).join(Trip).where(Trip.slug == TWIN)))
    other = make_author(site.app, "other")
    before = site.query(count_rows)
    # Not a track of this trip (it is in the author's other trip), and no track at all: 404.
    for track_id in (twin_track, 999_999):
        response = site.client.delete(f"/api{T}/tracks/{track_id}", headers=auth)
        assert response.status_code == 404 and response.json["error"]["message"], response.json
    # Another author's trip: 403, like every other route of a trip that is not yours.
    response = site.client.delete(f"/api{T}/tracks/{site.shared_track}", headers=bearer(other))
    assert response.status_code == 403 and "another author" in response.json["error"]["message"]
    # Another author naming the owner's track under a trip of their own: 404, nothing said about it.
    site.client.post("/api/trips", json={"title": "Mine", "slug": "others-trip"}, headers=bearer(other))
    response = site.client.delete(f"/api/trips/others-trip/tracks/{site.shared_track}", headers=bearer(other))
    assert response.status_code == 404
    assert site.client.delete(f"/api{T}/tracks/{site.shared_track}").status_code == 401
    after = site.query(count_rows)
    assert after == {**before, "trips": before["trips"] + 1}


@pytest.mark.parametrize("way", WAYS)
def test_deleting_a_leg_removes_its_tracks_and_stops_keeps_its_photos_and_moves_later_legs_up(site, way):
    def state(s):  # type: ignore[no-untyped-def]
        leg = next(leg for leg in demo_trip(s).legs if leg.position == 2)
        return (leg.id, [t.id for t in leg.tracks], [x.id for x in leg.stops], files_of(s, leg.tracks),
                [p.id for st in leg.stops for p in st.photos], [leg.name for leg in demo_trip(s).legs])
    leg_id, tracks, stops, paths, photos, names = site.query(state)
    assert len(tracks) >= 2 and stops and photos
    before = site.query(count_rows)
    delete(site, way, f"{T}/legs/2", f"/author{T}/legs/2/delete")
    after = site.query(count_rows)
    assert after["legs"] == before["legs"] - 1
    assert after["tracks"] == before["tracks"] - len(tracks)
    assert after["stops"] == before["stops"] - len(stops)
    assert after["photos"] == before["photos"]  # photos belong to the trip, not the leg
    assert site.query(lambda s: s.scalars(select(TrackSegment).where(TrackSegment.track_id.in_(tracks))).all()) == []
    kept = site.query(lambda s: [(p.stop_id, p.leg_id) for p in s.scalars(select(Photo).where(Photo.id.in_(photos)))])
    assert kept == [(None, None)] * len(photos)
    assert site.query(lambda s: [(leg.position, leg.name) for leg in demo_trip(s).legs]) == [
        (1, names[0]), (2, names[2])]
    on_disk = set(media_files(site.app))
    twin_gpx = site.query(lambda s: s.scalar(select(Track.original_path).join(Trip).where(Trip.slug == TWIN)))
    assert twin_gpx in paths and twin_gpx in on_disk  # the other trip's copy of the same file stays
    assert len(paths & on_disk) == 1
    assert_media_agrees_with_rows(site)
    for url in (T, f"{T}/legs/1", f"{T}/legs/2", f"/embed{T}", f"{T}.geojson", f"{T}.gpx"):
        assert site.client.get(url).status_code == 200, url
    assert site.client.get(f"{T}/legs/3").status_code == 404


@pytest.mark.parametrize("way", WAYS)
def test_deleting_a_trip_removes_everything_in_it_but_keeps_files_another_trip_holds_and_posts(site, way):
    def state(s):  # type: ignore[no-untyped-def]
        trip = demo_trip(s)
        return trip.id, files_of(s, [t for leg in trip.legs for t in leg.tracks] + list(trip.photos))
    trip_id, paths = site.query(state)
    twin = site.query(lambda s: files_of(s, list(s.scalars(select(Track).join(Trip).where(Trip.slug == TWIN)))
                                           + list(s.scalars(select(Photo).join(Trip).where(Trip.slug == TWIN)))))
    assert len(twin) == 4 and twin <= paths
    before = site.query(count_rows)
    delete(site, way, T, f"/author{T}/delete")
    after = site.query(count_rows)
    for table, model in (("legs", Leg), ("stops", Stop), ("tracks", Track), ("photos", Photo)):
        assert site.query(lambda s, m=model: s.scalars(select(m).where(m.trip_id == trip_id)).all()) == [], table
    assert after["trips"] == before["trips"] - 1
    assert after["track_segments"] == 1  # the twin's
    assert after["posts"] == before["posts"]
    on_disk = set(media_files(site.app))
    assert twin <= on_disk and not (paths - twin) & on_disk
    assert_media_agrees_with_rows(site)
    assert site.client.get(T).status_code == 404


@pytest.mark.parametrize("way", WAYS)
def test_deleting_a_stop_keeps_its_photos_and_post_unattached(site, way):
    def state(s):  # type: ignore[no-untyped-def]
        stop = next(st for st in demo_trip(s).stops() if st.photos and st.post)
        return stop.id, [p.id for p in stop.photos], stop.post_id
    stop_id, photos, post_id = site.query(state)
    before = site.query(count_rows)
    files = set(media_files(site.app))
    delete(site, way, f"{T}/stops/{stop_id}", f"/author{T}/stops/{stop_id}/delete")
    assert site.query(count_rows) == {**before, "stops": before["stops"] - 1}
    assert site.query(lambda s: [p.stop_id for p in s.scalars(select(Photo).where(Photo.id.in_(photos)))]) == [
        None] * len(photos)
    assert site.query(lambda s: s.get(Post, post_id)) is not None
    assert set(media_files(site.app)) == files
    assert_media_agrees_with_rows(site)
    assert site.client.get(T).status_code == 200


@pytest.mark.parametrize("way", WAYS)
def test_deleting_a_photo_removes_its_three_files_unless_another_trip_holds_the_same_photo(site, way):
    for shared in (True, False):
        def state(s, shared=shared):  # type: ignore[no-untyped-def]
            photos = demo_trip(s).photos
            photo = next(p for p in photos if (p.id == site.shared_photo) == shared)
            return photo.id, files_of(s, [photo])
        photo_id, paths = site.query(state)
        assert len(paths) == 3
        before = site.query(count_rows)
        delete(site, way, f"{T}/photos/{photo_id}", f"/author{T}/photos",
               f"/author{T}/photos/{photo_id}/delete")
        assert site.query(count_rows) == {**before, "photos": before["photos"] - 1}
        on_disk = set(media_files(site.app))
        assert paths <= on_disk if shared else not paths & on_disk
        assert_media_agrees_with_rows(site)


@pytest.mark.parametrize("way", WAYS)
def test_deleting_a_post_keeps_the_stops_that_linked_to_it(site, way):
    def state(s):  # type: ignore[no-untyped-def]
        post = max(s.scalars(select(Post)), key=lambda p: len(p.stops))
        return post.slug, [st.id for st in post.stops]
    slug, stops = site.query(state)
    assert len(stops) >= 2
    before = site.query(count_rows)
    delete(site, way, f"/posts/{slug}", f"/author/posts/{slug}/delete")
    assert site.query(count_rows) == {**before, "posts": before["posts"] - 1}
    assert site.query(lambda s: [st.post_id for st in s.scalars(select(Stop).where(Stop.id.in_(stops)))]) == [
        None] * len(stops)
    assert site.client.get(f"/posts/{slug}").status_code == 404
    assert site.client.get(T).status_code == 200


def test_revoking_a_token_ends_it_at_once_and_leaves_the_authors_other_tokens_and_data(site):
    # The author has the fixture's token; a second one is made through the workspace.
    page = site.client.post("/author/tokens", data={"name": "laptop", "csrf_token": csrf_token(site.client,
                                                                                                "/author/tokens")})
    assert page.status_code == 200
    tokens = site.query(lambda s: [(t.id, t.name) for t in s.scalars(select(ApiToken).order_by(ApiToken.id))])
    first_id = tokens[0][0]
    before = site.query(count_rows)
    response = post_form(site.client, "/author/tokens", {}, f"/author/tokens/{first_id}/revoke")
    assert response.status_code == 302
    assert site.client.get("/api/trips", headers=bearer(site.token)).status_code == 401
    assert site.query(count_rows) == before  # revoked, kept for the record; nothing else touched
    assert site.query(lambda s: s.get(ApiToken, first_id).revoked_at) is not None
    assert site.query(lambda s: s.get(ApiToken, tokens[1][0]).revoked_at) is None


LOADED = {
    "the track alone": lambda s, track_id: s.get(Track, track_id),
    "the track with its points": lambda s, track_id: (t := s.get(Track, track_id), t.segments)[0],
    "the whole trip": lambda s, track_id: next(
        t for leg in trip_by_slug(s, DEMO_SLUG).legs for t in leg.tracks if t.id == track_id),
    "the leg's tracks and their points": lambda s, track_id: next(
        t for t in s.get(Track, track_id).leg.tracks if [t.segments] and t.id == track_id),
}


@pytest.mark.parametrize("loaded", list(LOADED))
def test_the_track_and_leg_delete_services_work_whatever_the_session_has_loaded(site, loaded):
    """Other services (moving, splitting tracks) call these with objects in any state of loading."""
    media = Path(site.app.config["MEDIA_DIR"])
    with site.app.app_context():
        s = db.session()
        track = LOADED[loaded](s, site.shared_track)
        delete_track(s, track, media)
        db.commit()
    with site.app.app_context():
        s = db.session()
        assert s.get(Track, site.shared_track) is None
        leg = next(leg for leg in trip_by_slug(s, DEMO_SLUG).legs if leg.tracks)
        if loaded != "the whole trip":
            s.expunge_all()
            leg = s.get(Leg, leg.id)
        delete_leg(s, leg, media)
        db.commit()
        assert [leg.position for leg in trip_by_slug(s, DEMO_SLUG).legs] == [1, 2]
    assert_media_agrees_with_rows(site)

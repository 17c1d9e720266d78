"""Parsing GPX files and decoding photos happen with no database transaction open, so the write
transaction that stores them is short and other workers never wait on a slow upload."""

from __future__ import annotations

import io

import pytest

from travelmap import db, photos, sandbox
from travelmap.formats import read_track

from .authoring_helpers import bearer, csrf_token, login, make_author
from .conftest import DEMO_SLUG
from .gpxfactory import gpx_document, straight_track
from .photofactory import jpeg


@pytest.fixture
def watched(seeded_app, monkeypatch):  # type: ignore[no-untyped-def]
    """Record, for each track file read and photo decode, whether the request's session had a transaction open.

    The request waits in sandbox.run while a child process parses, so that is where to look.
    """
    seen: list[tuple[str, bool]] = []
    real_run = sandbox.run
    kinds = {read_track: "gpx", photos.analyse: "photo"}

    def run(limits, func, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((kinds[func], db.session().in_transaction()))
        return real_run(limits, func, *args, **kwargs)

    monkeypatch.setattr(sandbox, "run", run)
    return seen


def files(kind: str) -> dict:
    if kind == "gpx":
        return {"file": (io.BytesIO(gpx_document([straight_track(200, lat=40.8)], name="Quiet ride")), "ride.gpx")}
    return {"file": [(io.BytesIO(jpeg(lat=40.6 + i / 100, lon=109.8, colour=(i * 40, 9, 9))), f"p{i}.jpg")
                     for i in range(2)]}


@pytest.mark.parametrize("kind, api_url, form_url", [
    ("gpx", f"/api/trips/{DEMO_SLUG}/legs/1/tracks", f"/author/trips/{DEMO_SLUG}/legs/1/tracks"),
    ("photo", f"/api/trips/{DEMO_SLUG}/photos", f"/author/trips/{DEMO_SLUG}/photos"),
])
def test_uploads_are_parsed_and_decoded_outside_any_transaction(seeded_app, watched, kind, api_url, form_url):
    token = make_author(seeded_app, "demo")
    client = seeded_app.test_client()
    response = client.post(api_url, data=files(kind), headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    login(client, "demo")
    data = {**files(kind), "csrf_token": csrf_token(client, f"/author/trips/{DEMO_SLUG}")}
    data["file"] = [(io.BytesIO(f.read() + b"\n" if kind == "gpx" else f.read()), n)
                    for f, n in (data["file"] if isinstance(data["file"], list) else [data["file"]])]
    response = client.post(form_url, data=data, content_type="multipart/form-data",
                           headers={"Accept": "application/json"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert watched and all(kind_seen == kind for kind_seen, _ in watched)
    assert [open_ for _, open_ in watched] == [False] * len(watched)

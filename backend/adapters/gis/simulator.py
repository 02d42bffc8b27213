"""A local GIS platform over the bundled real data: 1,200 Wikidata places, 234 streets/towns, 16 districts.

It answers the way a city geocoder does, from the most to the least specific match:

1. a known place whose name appears in the address (the longest name wins; one in the district the address
   names is preferred) → ``level="poi"``;
2. a place whose name contains what is left of the address once city, district and street are removed
   ("东方明珠" → 东方明珠广播电视塔), with a lower confidence;
3. a street or town (街道/镇/乡, or its name without that suffix, "南京东路100号") → the street's own Wikidata
   point if there is one, else the district's → ``level="street"``;
4. a district name (黄浦区, or 黄浦) → the district's seat → ``level="district"``;
5. nothing → None.

Names are compared after NFKC and traditional → simplified conversion (OpenCC), since many Wikidata labels
are traditional (東方明珠廣播電視塔, 上海圖書館). Districts always come from ``backend.core.geo`` polygons,
so what this simulator says agrees with jurisdiction checks.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import opencc
from shapely.geometry import Point
from shapely.strtree import STRtree

from backend.adapters.gis.base import GeocodeResult, ReverseResult
from backend.core import geo

SOURCE = "simulator"

_CITY_PREFIXES = ("中华人民共和国", "中国", "上海市", "上海")
_STREET_SUFFIXES = ("街道", "镇", "乡")
# Street cores that are everyday address words: "新村乡" must not match every "……新村" housing estate.
_GENERIC_CORES = frozenset({"新村"})
_WIKIDATA_ID = re.compile(r"^q\d+$", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"\(.*?\)")
_MIN_RESIDUAL_CHARS = 3
# Beyond this a place no longer describes where the point is.
_NEARBY_M = 1_000.0
# Reverse geocoding names no place farther than this, as a platform searches a radius.
_PLACE_SEARCH_M = 5_000.0

_CONFIDENCE_POI_LONG = 0.9  # a name of 4+ characters is rarely ambiguous
_CONFIDENCE_POI_SHORT = 0.8
_CONFIDENCE_DISTRICT_AGREES = 0.05
_CONFIDENCE_DISTRICT_CONFLICT = 0.5
_CONFIDENCE_PARTIAL_BASE = 0.6
_CONFIDENCE_STREET_POINT = 0.65
_CONFIDENCE_STREET_DISTRICT_POINT = 0.45
_CONFIDENCE_DISTRICT = 0.3
_CONFIDENCE_DISTRICT_SHORT_NAME = 0.25

_T2S = opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Compare names in one form: NFKC (full-width → half-width), simplified characters, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _T2S.convert(text)
    return re.sub(r"[\s·・]+", "", text)


@dataclass(frozen=True, slots=True)
class _Place:
    label: str  # as in Wikidata, for display
    key: str  # normalized
    aliases: tuple[str, ...]  # normalized names that identify it in an address
    lng: float
    lat: float
    district: geo.District


@dataclass(frozen=True, slots=True)
class _Street:
    name: str
    key: str
    core: str | None  # the name without 街道/镇/乡, when that is still specific
    adcode: str


class GisSimulator:
    """The default GIS platform outside production (see the module docstring for how it matches)."""

    def __init__(self, source: str = SOURCE) -> None:
        self.source = source

    # ---- data, loaded once per instance -------------------------------------------------------------------

    @cached_property
    def _districts(self) -> dict[str, geo.District]:
        return {district.adcode: district for district in geo.districts()}

    @cached_property
    def _district_names(self) -> list[tuple[str, str, geo.District]]:
        """(full name, short name, district): 黄浦区/黄浦, 浦东新区/浦东."""
        names = []
        for district in self._districts.values():
            short = district.name.removesuffix("新区").removesuffix("区")
            names.append((normalize(district.name), normalize(short), district))
        return names

    @cached_property
    def _streets(self) -> list[_Street]:
        streets = []
        with geo.STREETS_CSV.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                key = normalize(row["name"])
                core = next((key.removesuffix(s) for s in _STREET_SUFFIXES if key.endswith(s)), None)
                if core is not None and (len(core) < 2 or core in _GENERIC_CORES):
                    core = None
                streets.append(_Street(row["name"], key, core, row["areaCode"]))
        return streets

    @cached_property
    def _all_places(self) -> list[_Place]:
        places: list[_Place] = []
        seen: set[str] = set()
        with geo.PLACES_CSV.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                label = row["label"].strip()
                key = normalize(label)
                if not key or key in seen or _WIKIDATA_ID.match(key):
                    continue
                lng, lat = float(row["lng_wgs84"]), float(row["lat_wgs84"])
                if not geo.in_shanghai(lng, lat):
                    continue  # rivers, railways and bridges whose Wikidata point lies in another province
                district = geo.district_of(lng, lat)
                if district is None:
                    continue
                seen.add(key)
                aliases = {key, normalize(_PARENTHETICAL.sub("", unicodedata.normalize("NFKC", label)))}
                aliases = {alias for alias in aliases if len(alias) >= 2}
                places.append(_Place(label, key, tuple(sorted(aliases, key=len, reverse=True)), lng, lat, district))
        return places

    @cached_property
    def _admin_keys(self) -> set[str]:
        keys = {key for key, _, _ in self._district_names} | {street.key for street in self._streets}
        return keys | {normalize(prefix) for prefix in _CITY_PREFIXES}

    @cached_property
    def _pois(self) -> list[_Place]:
        """Places that name a site, not an administrative area (those are matched at their own level)."""
        return [place for place in self._all_places if place.key not in self._admin_keys]

    @cached_property
    def _admin_points(self) -> dict[tuple[str, str], _Place]:
        """(normalized name, adcode) → the Wikidata item of that district or street, for its seat."""
        return {
            (place.key, place.district.adcode): place for place in self._all_places if place.key in self._admin_keys
        }

    @cached_property
    def _poi_tree(self) -> STRtree:
        points = [geo.to_shanghai_metric(Point(place.lng, place.lat)) for place in self._pois]
        return STRtree(points)

    # ---- geocoding -----------------------------------------------------------------------------------------

    def geocode(self, address: str) -> GeocodeResult | None:
        text = normalize(address or "")
        if not text:
            return None
        # A full street name is a street, not a district inside it (宝山路街道 is in 静安区).
        named = self._named_district(self._mask_streets(text))
        return (
            self._match_place(text)
            or self._match_street(text, named)
            or self._match_partial_place(text, named)
            or self._district_result(named)
        )

    def _mask_streets(self, text: str) -> str:
        for street in sorted(self._streets, key=lambda street: -len(street.key)):
            text = text.replace(street.key, "|")
        return text

    def _street_spans(self, text: str) -> list[tuple[int, int]]:
        return [
            (match.start(), match.end())
            for street in self._streets
            for match in re.finditer(re.escape(street.key), text)
        ]

    @staticmethod
    def _find_outside(alias: str, text: str, spans: list[tuple[int, int]]) -> bool:
        """Whether ``alias`` occurs in ``text`` other than inside a street name (外滩 in 外滩街道)."""
        start = text.find(alias)
        while start >= 0:
            end = start + len(alias)
            if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans):
                return True
            start = text.find(alias, start + 1)
        return False

    def _named_district(self, text: str) -> tuple[geo.District, bool] | None:
        """The district the address names first, and whether by its full name."""
        found: list[tuple[int, bool, geo.District]] = []
        for full, short, district in self._district_names:
            if (position := text.find(full)) >= 0:
                found.append((position, True, district))
            elif len(short) >= 2 and (position := text.find(short)) >= 0:
                found.append((position, False, district))
        if not found:
            return None
        # Full names beat short ones ("黄浦江" must not make 黄浦区 win over an explicit 浦东新区).
        _, by_full_name, district = min(found, key=lambda hit: (not hit[1], hit[0]))
        return district, by_full_name

    def _match_place(self, text: str) -> GeocodeResult | None:
        best: tuple[int, bool, _Place, tuple[geo.District, bool] | None] | None = None
        spans = self._street_spans(text)
        for place in self._pois:
            alias = next((a for a in place.aliases if a in text and self._find_outside(a, text, spans)), None)
            if alias is None:
                continue
            # A district is named only outside the place's own name: 黄浦江 does not name 黄浦区.
            named = self._named_district(self._mask_streets(text.replace(alias, "|")))
            agrees = named is not None and named[0] == place.district
            if best is None or (len(alias), agrees) > best[:2]:
                best = (len(alias), agrees, place, named)
        if best is None:
            return None
        length, agrees, place, named = best
        confidence = _CONFIDENCE_POI_LONG if length >= 4 else _CONFIDENCE_POI_SHORT
        if agrees:
            confidence += _CONFIDENCE_DISTRICT_AGREES
        elif named is not None:
            confidence = _CONFIDENCE_DISTRICT_CONFLICT
        return self._poi_result(place, confidence)

    def _residuals(self, text: str) -> list[str]:
        """What the address says beyond its administrative parts; "上海" kept first (上海中心 is a name)."""
        for full, _, _ in self._district_names:
            text = text.replace(full, "")
        for street in self._streets:
            text = text.replace(street.key, "")
        variants = {text}
        while prefix := next((p for p in _CITY_PREFIXES if text.startswith(p)), None):
            text = text.removeprefix(prefix)
            variants.add(text)
        return sorted(
            (v for v in variants if len(v) >= _MIN_RESIDUAL_CHARS and v not in self._admin_keys),
            key=lambda v: (-len(v), v),
        )

    def _match_partial_place(self, text: str, named: tuple[geo.District, bool] | None) -> GeocodeResult | None:
        candidates: list[_Place] = []
        residual = ""
        for residual in self._residuals(text):
            if candidates := [place for place in self._pois if residual in place.key]:
                break
        if not candidates:
            return None
        if named is not None:
            candidates = [place for place in candidates if place.district == named[0]] or candidates
        # The shortest name containing the words is the one they most nearly are.
        place = min(candidates, key=lambda p: (len(p.key), p.key))
        coverage = len(residual) / len(place.key)
        confidence = _CONFIDENCE_PARTIAL_BASE + 0.3 * coverage - (0.1 if len(candidates) > 1 else 0.0)
        return self._poi_result(place, round(min(confidence, 0.85), 2))

    def _poi_result(self, place: _Place, confidence: float) -> GeocodeResult:
        label = _PARENTHETICAL.sub("", unicodedata.normalize("NFKC", _T2S.convert(place.label))).strip()
        return GeocodeResult(
            lng=place.lng,
            lat=place.lat,
            adcode=place.district.adcode,
            district=place.district.name,
            formatted_address=f"上海市{place.district.name}{label}",
            confidence=round(confidence, 2),
            source=self.source,
            level="poi",
        )

    def _match_street(self, text: str, named: tuple[geo.District, bool] | None) -> GeocodeResult | None:
        best: tuple[int, _Street] | None = None
        for street in self._streets:
            if named is not None and street.adcode != named[0].adcode:
                continue
            matched = street.key if street.key in text else street.core if street.core and street.core in text else None
            if matched and (best is None or len(matched) > best[0]):
                best = (len(matched), street)
        if best is None:
            return None
        street = best[1]
        district = self._districts[street.adcode]
        anchor = self._admin_points.get((street.key, street.adcode))
        if anchor is not None:
            lng, lat, confidence = anchor.lng, anchor.lat, _CONFIDENCE_STREET_POINT
        else:
            lng, lat = self._district_seat(district)
            confidence = _CONFIDENCE_STREET_DISTRICT_POINT
        return GeocodeResult(
            lng=lng,
            lat=lat,
            adcode=district.adcode,
            district=district.name,
            formatted_address=f"上海市{district.name}{street.name}",
            confidence=confidence,
            source=self.source,
            level="street",
        )

    def _district_seat(self, district: geo.District) -> tuple[float, float]:
        seat = self._admin_points.get((normalize(district.name), district.adcode))
        if seat is not None:
            return seat.lng, seat.lat
        point = geo.district_geometry(district.adcode).representative_point()
        return round(point.x, 6), round(point.y, 6)

    def _district_result(self, named: tuple[geo.District, bool] | None) -> GeocodeResult | None:
        if named is None:
            return None
        district, full = named
        lng, lat = self._district_seat(district)
        return GeocodeResult(
            lng=lng,
            lat=lat,
            adcode=district.adcode,
            district=district.name,
            formatted_address=f"上海市{district.name}",
            confidence=_CONFIDENCE_DISTRICT if full else _CONFIDENCE_DISTRICT_SHORT_NAME,
            source=self.source,
            level="district",
        )

    # ---- reverse geocoding ---------------------------------------------------------------------------------

    def reverse_geocode(self, lng: float, lat: float) -> ReverseResult:
        lng, lat = geo.validate_lnglat(lng, lat)
        district = geo.district_of(lng, lat) if geo.in_shanghai(lng, lat) else None
        place_name: str | None = None
        distance: float | None = None
        if self._pois:
            point = geo.to_shanghai_metric(Point(lng, lat))
            nearest = self._poi_tree.query_nearest(point, max_distance=_PLACE_SEARCH_M)
            if len(nearest):
                place = self._pois[int(nearest[0])]
                place_name = unicodedata.normalize("NFKC", _T2S.convert(place.label))
                distance = round(geo.haversine_m((lng, lat), (place.lng, place.lat)), 1)
        if district is None:
            formatted = ""
        elif place_name is not None and distance is not None and distance <= _NEARBY_M:
            formatted = f"上海市{district.name}{place_name}附近"
        else:
            formatted = f"上海市{district.name}"
        return ReverseResult(
            lng=lng,
            lat=lat,
            adcode=district.adcode if district else None,
            district=district.name if district else None,
            place_name=place_name,
            place_distance_m=distance,
            formatted_address=formatted,
            source=self.source,
        )

"""Real Shanghai places (shared/data/sites, Wikidata items with WGS-84 coordinates and the district found by
polygon), the district codes the tests use, and a serial number unique within the test run."""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from backend.core.geo import wgs84_to_gcj02

PLACES_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sites" / "wikidata_shanghai_places.csv"

HUANGPU = "310101"
XUHUI = "310104"
PUDONG = "310115"

XUHUI_SITE = "Q10867747"  # 上海公安博物馆, 徐汇区
HUANGPU_SITE = "Q10867765"  # 上海周公馆, 黄浦区

_serial = itertools.count(1)


def serial() -> int:
    """A number unique within the test run (credit codes, ID numbers, project and decision numbers, keys)."""
    return next(_serial)


@dataclass(frozen=True)
class Place:
    label: str
    lng: float  # WGS-84
    lat: float
    district: str  # 黄浦区 ...
    adcode: str  # 310101 ...
    wikidata_item: str = ""

    def gcj02(self) -> tuple[float, float]:
        return wgs84_to_gcj02(self.lng, self.lat)


@cache
def places() -> tuple[Place, ...]:
    with PLACES_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Place(
                row["label"],
                float(row["lng_wgs84"]),
                float(row["lat_wgs84"]),
                row["district_by_polygon_derived"],
                row["adcode_derived"],
                row["wikidata_item"],
            )
            for row in csv.DictReader(handle)
            if row["lng_wgs84"]
        )


def place(label: str) -> Place:
    """The place of that name (the first, where Wikidata has several)."""
    return next(p for p in places() if p.label == label)


def place_in(adcode: str, index: int = 0) -> Place:
    """The index-th place in the district."""
    return [p for p in places() if p.adcode == adcode][index]


def site(wikidata_item: str) -> Place:
    return next(p for p in places() if p.wikidata_item == wikidata_item)

"""Supervisory jurisdictions: the corps (whole city), 16 district detachments, and three special detachments."""

from __future__ import annotations

from dataclasses import dataclass

CORPS = "corps"
SPECIAL_ZONES = {"chem": "上海化学工业区消防救援支队", "water": "总队水上支队", "rail": "总队轨道交通支队"}

# GB/T 2260 codes of Shanghai's districts (national statistical division codes, 2023).
DISTRICTS: dict[str, str] = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "310105": "长宁区",
    "310106": "静安区",
    "310107": "普陀区",
    "310109": "虹口区",
    "310110": "杨浦区",
    "310112": "闵行区",
    "310113": "宝山区",
    "310114": "嘉定区",
    "310115": "浦东新区",
    "310116": "金山区",
    "310117": "松江区",
    "310118": "青浦区",
    "310120": "奉贤区",
    "310151": "崇明区",
}


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    name: str
    kind: str  # corps | district | special


def all_jurisdictions() -> list[Jurisdiction]:
    items = [Jurisdiction(CORPS, "上海市消防救援总队", "corps")]
    items += [Jurisdiction(code, f"{name}消防救援支队", "district") for code, name in DISTRICTS.items()]
    items += [Jurisdiction(code, name, "special") for code, name in SPECIAL_ZONES.items()]
    return items


def is_known(code: str) -> bool:
    return code == CORPS or code in DISTRICTS or code in SPECIAL_ZONES


def name_of(code: str) -> str:
    for j in all_jurisdictions():
        if j.code == code:
            return j.name
    raise KeyError(code)


def covers(jurisdiction: str | None, district_code: str | None, special_zone: str | None) -> bool:
    """Whether a supervisor of `jurisdiction` supervises a subject located in district/special zone."""
    if jurisdiction is None:
        return False
    if jurisdiction == CORPS:
        return True
    if jurisdiction in SPECIAL_ZONES:
        return special_zone == jurisdiction
    return district_code == jurisdiction

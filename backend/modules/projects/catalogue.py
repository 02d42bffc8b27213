"""The maintenance catalogue (维保项目目录): GB 25201 facility systems, their items, frequencies and clauses.

Versioned because the standards change (GB/T 44481-2024 replaced XF 503): a plan keeps the version it was
generated from, so an old plan still reads the same after the catalogue moves on. Frequencies named in
docs/design.md §3 cite their standard; the others are the starting point of the GB 25201-2010 plan table
(附录C) and are editable in every plan.

Pure data and pure functions: no database, no Flask.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import cache

FREQUENCIES: dict[str, str] = {
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "half_yearly": "每半年",
    "yearly": "每年",
    "triennial": "每三年",
}
# Months between two due months of a periodic item; daily, weekly and monthly items are due every month.
INTERVAL_MONTHS = {"daily": 1, "weekly": 1, "monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}
# GB 50166: smoke detectors are cleaned once 2 years after going into service, then every 3 years.
TRIENNIAL_FIRST_YEARS = 2
TRIENNIAL_EVERY_YEARS = 3

# The annual full test applies to every building, whatever systems it has.
GENERAL_SYSTEM = "general"


@dataclass(frozen=True)
class CatalogueItem:
    code: str
    name: str
    frequency: str  # key of FREQUENCIES
    clause: str


@dataclass(frozen=True)
class FacilitySystem:
    code: str
    name: str
    items: tuple[CatalogueItem, ...]


@dataclass(frozen=True)
class Catalogue:
    version: str
    title: str
    systems: tuple[FacilitySystem, ...]

    def system(self, code: str) -> FacilitySystem | None:
        return next((s for s in self.systems if s.code == code), None)

    @property
    def building_system_codes(self) -> list[str]:
        """Codes a building can declare (the general system is not a facility)."""
        return [s.code for s in self.systems if s.code != GENERAL_SYSTEM]


def _item(code: str, name: str, frequency: str, clause: str) -> CatalogueItem:
    assert frequency in FREQUENCIES, frequency
    return CatalogueItem(code, name, frequency, clause)


GB25201_APPENDIX_C = "GB 25201-2010 附录C"
GB50974_CH14 = "GB 50974-2014 第14章"
GB50166_CH14 = "GB 50166-2019 第14章"
GB50261_CH9 = "GB 50261-2017 第9章"
GB51251_CH9 = "GB 51251-2017 第9章"

CATALOGUE_2026 = Catalogue(
    version="GB25201-2026.1",
    title="建筑消防设施维护保养项目目录（GB 25201-2010 框架，2026 版）",
    systems=(
        FacilitySystem(
            "power",
            "消防供配电设施",
            (
                _item("power_switchover", "消防电源主、备电源切换试验", "monthly", GB25201_APPENDIX_C),
                _item("power_generator", "自备发电机组启动及带载试验", "monthly", GB25201_APPENDIX_C),
            ),
        ),
        FacilitySystem(
            "fire_alarm",
            "火灾自动报警系统",
            (
                _item(
                    "alarm_controller_daily", "火灾报警控制器自检、消音、复位及主备电状态检查", "daily", GB50166_CH14
                ),
                _item("alarm_devices_batch", "探测器、手动报警按钮、模块分批次功能试验", "quarterly", GB50166_CH14),
                _item("alarm_devices_all", "全部探测器和手动火灾报警按钮功能试验", "yearly", GB50166_CH14),
                _item(
                    "smoke_detector_cleaning",
                    "点型感烟火灾探测器清洗（投入运行2年后，每隔3年全部清洗一次）",
                    "triennial",
                    GB50166_CH14,
                ),
            ),
        ),
        FacilitySystem(
            "water_supply",
            "消防供水设施",
            (
                _item("pump_manual_start", "消防水泵手动启动运转及供电电源检查", "monthly", GB50974_CH14),
                _item("pump_auto_start", "模拟自动控制条件自动启动消防水泵运转", "weekly", GB50974_CH14),
                _item("pump_flow_pressure", "消防水泵出流量和压力试验", "quarterly", GB50974_CH14),
                _item("tank_level", "消防水池、水箱水位及消防用水不被他用检查", "monthly", GB50974_CH14),
            ),
        ),
        FacilitySystem(
            "hydrant",
            "消火栓（消防炮）灭火系统",
            (
                _item("hydrant_inspection", "室内外消火栓外观、漏水及配件检查", "quarterly", GB50974_CH14),
                _item("pump_adapter_check", "消防水泵接合器接口及附件检查", "quarterly", GB50974_CH14),
            ),
        ),
        FacilitySystem(
            "sprinkler",
            "自动喷水灭火系统",
            (
                _item("sprinkler_valves_gauges", "系统阀门启闭状态及压力表检查", "monthly", GB50261_CH9),
                _item("alarm_valve_test", "报警阀组放水试验及水力警铃检查", "quarterly", GB50261_CH9),
                _item("end_of_line_test", "末端试水装置放水试验", "quarterly", GB50261_CH9),
            ),
        ),
        FacilitySystem(
            "gas_extinguishing",
            "气体灭火系统",
            (
                _item("gas_storage_check", "储存容器压力、称重及驱动装置检查", "monthly", "GB 50263-2007 第8章"),
                _item("gas_simulated_start", "防护区模拟启动试验", "yearly", "GB 50263-2007 第8章"),
            ),
        ),
        FacilitySystem(
            "foam_extinguishing",
            "泡沫灭火系统",
            (
                _item("foam_components_check", "泡沫液储罐、比例混合器及阀门检查", "monthly", "GB 50151-2021"),
                _item("foam_spray_test", "系统喷泡沫试验", "yearly", "GB 50151-2021"),
            ),
        ),
        FacilitySystem(
            "water_mist",
            "细水雾灭火系统",
            (
                _item("mist_pump_check", "泵组、储水箱及阀组检查", "monthly", "GB 50898-2013"),
                _item("mist_linkage_test", "系统联动功能试验", "yearly", "GB 50898-2013"),
            ),
        ),
        FacilitySystem(
            "dry_powder",
            "干粉灭火系统",
            (
                _item("powder_storage_check", "干粉储存装置及驱动气体压力检查", "monthly", "GB 50347-2004"),
                _item("powder_simulated_start", "防护区模拟启动试验", "yearly", "GB 50347-2004"),
            ),
        ),
        FacilitySystem(
            "smoke_control",
            "防烟排烟系统",
            (
                _item("smoke_fans", "防烟、排烟风机及活动挡烟垂壁、自动排烟窗启动试验", "quarterly", GB51251_CH9),
                _item(
                    "smoke_dampers", "排烟防火阀、送风口、排烟阀（口）自动和手动启动试验", "half_yearly", GB51251_CH9
                ),
                _item("smoke_linkage", "防烟排烟系统联动试验和性能检测", "yearly", GB51251_CH9),
            ),
        ),
        FacilitySystem(
            "emergency_lighting",
            "消防应急照明和疏散指示系统",
            (
                _item("lighting_function", "应急照明和疏散指示标志应急功能检查", "monthly", "GB 51309-2018"),
                _item("lighting_duration", "蓄电池电源持续应急工作时间试验", "yearly", "GB 51309-2018"),
            ),
        ),
        FacilitySystem(
            "emergency_broadcast",
            "消防应急广播系统",
            (_item("broadcast_test", "应急广播播音、切换及音质检查", "quarterly", GB50166_CH14),),
        ),
        FacilitySystem(
            "fire_telephone",
            "消防专用电话系统",
            (_item("telephone_test", "消防电话总机与分机、插孔通话试验", "quarterly", GB50166_CH14),),
        ),
        FacilitySystem(
            "fire_separation",
            "防火分隔设施（防火门、防火卷帘）",
            (
                _item("fire_door_check", "防火门闭门器、顺序器及常开防火门联动检查", "monthly", GB25201_APPENDIX_C),
                _item("fire_shutter_test", "防火卷帘手动、联动下降试验", "quarterly", GB25201_APPENDIX_C),
            ),
        ),
        FacilitySystem(
            "fire_elevator",
            "消防电梯",
            (_item("elevator_forced_landing", "消防电梯迫降及消防员专用操作试验", "monthly", GB25201_APPENDIX_C),),
        ),
        FacilitySystem(
            "extinguisher",
            "灭火器",
            (
                _item(
                    "extinguisher_check", "灭火器外观、压力指示、有效期及配置位置检查", "monthly", "GB 50444-2008 第5章"
                ),
            ),
        ),
        FacilitySystem(
            GENERAL_SYSTEM,
            "建筑消防设施全面检测",
            (
                _item(
                    "annual_full_test",
                    "对全部建筑消防设施进行全面检测",
                    "yearly",
                    "《消防法》第十六条；GB/T 44481-2024",
                ),
            ),
        ),
    ),
)

CATALOGUES: dict[str, Catalogue] = {CATALOGUE_2026.version: CATALOGUE_2026}
CURRENT_VERSION = CATALOGUE_2026.version


def current() -> Catalogue:
    return CATALOGUES[CURRENT_VERSION]


def get(version: str) -> Catalogue | None:
    return CATALOGUES.get(version)


def unknown_systems(codes: list[str], version: str = CURRENT_VERSION) -> list[str]:
    valid = set(CATALOGUES[version].building_system_codes)
    return [c for c in codes if c not in valid]


@cache
def _system_names() -> dict[str, str]:
    """Names from every catalogue version, newest last (it wins): plans keep the version they were made from."""
    return {system.code: system.name for cat in CATALOGUES.values() for system in cat.systems}


def system_name(code: str | None) -> str:
    """The Chinese name of a facility system; an unknown code is printed as it is."""
    if not code:
        return "其他"
    return _system_names().get(code, code)


# ----------------------------------------------------------------------------------------------------
# Months


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_of(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def last_of(key: str) -> date:
    first = first_of(key)
    return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])


def is_month_key(value: str) -> bool:
    try:
        return len(value) == 7 and month_key(first_of(value)) == value
    except ValueError:
        return False


def months_between(start: date, end: date) -> list[str]:
    """Every "YYYY-MM" from the month of start to the month of end, inclusive."""
    keys: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def due_months(item: CatalogueItem, plan_months: list[str], in_service_on: date | None) -> list[str]:
    """The plan months in which an item is due.

    Periodic items start in the first contract month and repeat every interval. The triennial cleaning
    depends on when the systems went into service; without that date it is left unscheduled for the
    organisation to set (it stays in the plan, so it is not forgotten).
    """
    if item.frequency == "triennial":
        if in_service_on is None or not plan_months:
            return []
        wanted: set[str] = set()
        due = add_years(in_service_on, TRIENNIAL_FIRST_YEARS)
        last = last_of(plan_months[-1])
        while due <= last:
            wanted.add(month_key(due))
            due = add_years(due, TRIENNIAL_EVERY_YEARS)
        return [m for m in plan_months if m in wanted]
    step = INTERVAL_MONTHS[item.frequency]
    return plan_months[::step]


def required_per_month(frequency: str, month: str) -> int:
    """How many times an item is done in one of its due months: daily every day, weekly four times."""
    if frequency == "daily":
        return last_of(month).day
    if frequency == "weekly":
        return last_of(month).day // 7
    return 1

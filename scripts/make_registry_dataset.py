"""Generate the simulator dataset of the national registry and the big-data platform.

    .venv/bin/python scripts/make_registry_dataset.py [--out backend/data/registry/registry_dataset.json]

Deterministic (fixed seed, fixed reference date): running it again gives the same bytes, so the checked-in
file can be reviewed as a diff. Everything is fictional but follows the real formats: credit codes and ID
numbers carry valid check characters, addresses use real Shanghai roads, names follow common surname
frequencies. Formats and scenarios are described in backend/data/registry/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from backend.core.validators import (  # noqa: E402
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    id_check_digit,
    is_valid_credit_code,
    is_valid_id_number,
    organization_code_check_char,
)

SEED = 20210520  # the date of the corps notice that started v2.0
AS_OF = date(2026, 11, 1)
DEFAULT_OUT = ROOT / "backend" / "data" / "registry" / "registry_dataset.json"

MAINT, ASSESS = "维护保养检测", "消防安全评估"
ENG1, ENG2, OPERATOR = "一级注册消防工程师", "二级注册消防工程师", "消防设施操作员"
LEVELS = ("五级/初级", "四级/中级", "三级/高级", "二级/技师", "一级/高级技师")

# District adcode -> (name, real roads of that district used for addresses).
DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "310101": ("黄浦区", ("西藏中路", "河南南路", "中山南路", "复兴东路", "淮海中路", "制造局路")),
    "310104": ("徐汇区", ("漕溪北路", "宜山路", "虹漕路", "钦州北路", "田林路", "龙华中路", "桂平路")),
    "310105": ("长宁区", ("延安西路", "天山路", "遵义路", "仙霞路", "金钟路", "临虹路")),
    "310106": ("静安区", ("共和新路", "江场西路", "万荣路", "延长中路", "灵石路", "汶水路")),
    "310107": ("普陀区", ("真北路", "中山北路", "金沙江路", "云岭东路", "武宁路", "祁连山南路")),
    "310109": ("虹口区", ("四平路", "东大名路", "曲阳路", "广粤路", "吴淞路", "花园路")),
    "310110": ("杨浦区", ("国定路", "政立路", "黄兴路", "控江路", "军工路", "平凉路")),
    "310112": ("闵行区", ("虹梅南路", "莘松路", "都市路", "申昆路", "紫秀路", "元江路", "沪闵路")),
    "310113": ("宝山区", ("友谊路", "牡丹江路", "沪太路", "蕰川路", "长江西路", "高逸路")),
    "310114": ("嘉定区", ("城北路", "叶城路", "博园路", "嘉松北路", "曹安公路", "胜辛路")),
    "310115": (
        "浦东新区",
        ("张江路", "科苑路", "浦东南路", "川沙路", "金科路", "秀浦路", "沪南路", "康桥路"),
    ),
    "310116": ("金山区", ("卫零路", "亭卫公路", "龙胜路", "金山大道", "朱平公路")),
    "310117": ("松江区", ("新松江路", "荣乐东路", "九新公路", "泗砖公路", "北松公路", "茸梅路")),
    "310118": ("青浦区", ("外青松公路", "城中北路", "崧泽大道", "盈港东路", "沪青平公路", "华青路")),
    "310120": ("奉贤区", ("环城东路", "望园路", "金海公路", "沪杭公路", "奉浦大道")),
    "310151": ("崇明区", ("八一路", "潘园公路", "陈海公路", "崇明大道", "西门路")),
}
# ID region codes abolished by district mergers, given to people born before the merger.
HISTORIC_ID_REGIONS = (("310102", 1985), ("310103", 1995), ("310108", 1999))  # 南市, 卢湾, 闸北

# Surnames weighted roughly by frequency in Shanghai (沈, 顾, 陆, 钱 are over-represented there).
SURNAMES = (
    "王" * 12
    + "张" * 10
    + "陈" * 10
    + "李" * 9
    + "刘" * 7
    + "徐" * 7
    + "朱" * 6
    + "沈" * 6
    + "杨" * 5
    + "周" * 5
    + "吴" * 5
    + "黄" * 5
    + "顾" * 5
    + "陆" * 5
    + "金" * 4
    + "钱" * 3
    + "孙" * 4
    + "胡" * 4
    + "赵" * 4
    + "蒋" * 3
    + "郭" * 3
    + "姚" * 3
    + "施" * 3
    + "曹" * 3
    + "马" * 3
    + "唐" * 3
    + "许" * 3
    + "高" * 3
    + "何" * 2
    + "林" * 2
    + "郑" * 2
    + "叶" * 2
    + "潘" * 2
    + "范" * 2
    + "俞" * 2
    + "汪" * 2
    + "倪" * 2
    + "秦" * 2
    + "龚" * 2
    + "邵" * 2
    + "梁谢宋韩冯邓彭曾肖田董袁于余杜程苏魏吕丁任卢姜崔钟谭"
    + "严戴孔毛夏贾方石邱江薛闵尹段雷汤万殷费"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN_MALE = "伟强磊军勇杰涛斌浩鹏辉明刚华建平飞峰俊超健宇凯晨龙波亮锋东志国文海立新永春卫忠"
GIVEN_FEMALE = "丽娟敏静芳燕玲霞婷莉红萍琳洁颖雪慧晶倩佳怡欣悦蓉凤琴英华梅云兰芬"
GIVEN_ANY = "嘉子一文思天晓宏家振雨晓伟立安明佳俊志永宇"


def words(text: str) -> list[str]:
    return text.split()


BRAND_NAMES = words(
    "申安 浦盾 宏泰 安盾 金卫 恒安 华鼎 联安 东卫 海晟 锦程 百安 天擎 卓安 瑞祥 信诚 安捷 博安 泰和 鼎盛 "
    "汇安 同安 久安 众诚 嘉安 长盾 新安 明安 丰安 固盾 立安 昊安 晨安 沪安 申消 松卫 虹安 沪卫 安澜 远安 "
    "启安 正安 佳安 和信 盛安 福安 祥安 耀安 彤安 宁安 康安 兴安 东盛 宝卫 崇安 腾安 润安 伟安 盈安 昌安 "
    "群安 华盾 润盾 申卫 浦卫 振安 凯盾 科安"
)
SUFFIXES = {
    (MAINT,): (
        "消防技术服务有限公司",
        "消防设备维修检测有限公司",
        "消防工程有限公司",
        "消防设施检测有限公司",
        "消防科技有限公司",
    ),
    (ASSESS,): ("消防安全评估有限公司", "安全技术咨询有限公司", "消防安全技术咨询有限公司"),
    (MAINT, ASSESS): ("消防技术服务有限公司", "消防安全技术服务有限公司", "消防科技有限公司"),
}
ENTERPRISE_TYPES = (
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）",
    "其他有限责任公司",
    "股份有限公司（非上市、自然人投资或控股）",
)
SCOPE = {
    MAINT: "消防技术服务；消防器材销售；安全系统监控服务；建筑物消防设施维护保养、检测",
    ASSESS: "消防安全评估；安全咨询服务；消防技术服务",
}
MOBILE_PREFIXES = words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 176 177 180 181 "
    "182 183 186 187 188 189 191 198 199"
)

N_ORGS = 60
N_UNAFFILIATED = 12  # certificate holders with no organisation in Shanghai's data (job seekers, retirees)
N_DUAL = 5  # 挂证 cases
N_BUSINESS_ONLY = 5  # enterprises known to market regulation but not registered in the fire system


@dataclass
class Person:
    name: str
    id_number: str
    mobile: str
    employer_credit_code: str | None
    roles: list[str] = field(default_factory=list)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names: set[str] = set()
        self.ids: set[str] = set()
        self.mobiles: set[str] = set()
        self.codes: set[str] = set()
        self.serials: dict[str, int] = {}
        self.persons: list[Person] = []
        self.certificates: list[dict[str, object]] = []

    # --- primitives ---

    def next_serial(self, key: str, start: int = 1) -> int:
        self.serials[key] = self.serials.get(key, start - 1) + self.rng.randint(1, 9)
        return self.serials[key]

    def date_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def person_name(self, male: bool) -> str:
        while True:
            surname = self.rng.choice(COMPOUND_SURNAMES) if self.rng.random() < 0.01 else self.rng.choice(SURNAMES)
            pool = GIVEN_MALE if male else GIVEN_FEMALE
            if self.rng.random() < 0.25:
                given = self.rng.choice(pool)
            else:
                given = self.rng.choice(pool + GIVEN_ANY) + self.rng.choice(pool)
                if given[0] == given[1] and self.rng.random() < 0.8:  # 婷婷 exists, 伟伟 is rare
                    continue
            name = surname + given
            if name not in self.names:
                self.names.add(name)
                return name

    def id_number(self, born: date, male: bool) -> str:
        while True:
            historic = [code for code, until in HISTORIC_ID_REGIONS if born.year < until]
            region = (
                self.rng.choice(historic)
                if historic and self.rng.random() < 0.25
                else self.rng.choice(sorted(DISTRICTS))
            )
            seq = self.rng.randrange(1, 999)
            if seq % 2 != male:
                seq = seq + 1 if seq < 998 else seq - 1
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def new_person(self, born_from: int, born_to: int, employer: str | None, male_share: float = 0.78) -> Person:
        male = self.rng.random() < male_share
        born = self.date_between(date(born_from, 1, 1), date(born_to, 12, 31))
        person = Person(self.person_name(male), self.id_number(born, male), self.mobile(), employer)
        self.persons.append(person)
        return person

    def credit_code(self, registered: date, region: str) -> str:
        while True:
            if registered.year < 2016:  # legacy organisation code, 8 digits
                body = self.rng.choice(("55", "57", "58", "66", "67", "68", "69", "74", "75", "76", "78", "79"))
                body += f"{self.rng.randrange(10**6):06d}"
            else:  # codes assigned with the credit code: MA1 (2016-2020), MA7 (2021-22), MAC (2023-)
                head = "MA1" if registered.year <= 2020 else "MA7" if registered.year <= 2022 else "MAC"
                letters = [ch for ch in CREDIT_CODE_ALPHABET if ch != "X"]
                body = head + "".join(self.rng.choice(letters) for _ in range(5))
            first17 = f"91{region}{body}{organization_code_check_char(body)}"
            code = first17 + credit_code_check_char(first17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def address(self, district_code: str) -> str:
        district, roads = DISTRICTS[district_code]
        number = self.rng.randint(1, 2999)
        tail = self.rng.choice(
            (
                "",
                f"{self.rng.randint(1, 12)}幢{self.rng.randint(1, 6)}{self.rng.randint(1, 30):02d}室",
                f"{self.rng.randint(2, 18)}层",
                f"{self.rng.randint(1, 5)}号楼{self.rng.randint(1, 3)}层",
            )
        )
        return f"上海市{district}{self.rng.choice(roads)}{number}号{tail}"

    # --- certificates ---

    def engineer_certificate(
        self, person: Person, kind: str, org: dict[str, object] | None, status: str
    ) -> dict[str, object]:
        level_digit = "1" if kind == ENG1 else "2"
        exam_year = self.rng.randint(2015, 2024) if kind == ENG1 else self.rng.randint(2021, 2025)
        first_reg = self.date_between(date(exam_year + 1, 3, 1), date(exam_year + 1, 12, 20))
        if status == "过期":  # lapsed 1-18 months before AS_OF, never renewed
            expires = AS_OF - timedelta(days=self.rng.randint(30, 540))
            issued = expires - timedelta(days=3 * 365 - 1)
        else:  # latest registration (initial or 3-yearly renewal) still running at AS_OF
            issued = first_reg
            while issued + timedelta(days=3 * 365) <= AS_OF:
                issued += timedelta(days=3 * 365)
            if issued > AS_OF:
                issued = self.date_between(AS_OF - timedelta(days=700), AS_OF - timedelta(days=20))
            expires = issued + timedelta(days=3 * 365 - 1)
        reg_year = min(issued, first_reg).year % 100
        cert_no = f"{exam_year}31{level_digit}{self.next_serial(f'cert{level_digit}{exam_year}', 100):06d}"
        registration_no = f"31{level_digit}{reg_year:02d}{self.next_serial(f'reg{level_digit}{reg_year}'):05d}"
        record = {
            "holder_name": person.name,
            "id_number": person.id_number,
            "kind": kind,
            "level": None,
            "cert_no": cert_no,
            "registration_no": registration_no,
            "org_credit_code": org["credit_code"] if org else None,
            "org_name": org["name"] if org else None,
            "issued_on": issued.isoformat(),
            "expires_on": expires.isoformat(),
            "status": status,
        }
        self.certificates.append(record)
        person.roles.append(kind)
        return record

    def operator_certificate(self, person: Person, level: str, status: str = "有效") -> dict[str, object]:
        issued = self.date_between(date(2020, 6, 1), AS_OF - timedelta(days=10))
        level_digit = 5 - LEVELS.index(level)
        evaluator = self.rng.choice((12, 35, 47, 58, 103))  # 社会培训评价组织 ids in Shanghai
        serial = self.next_serial(f"op{evaluator}{issued.year}{level_digit}")
        record = {
            "holder_name": person.name,
            "id_number": person.id_number,
            "kind": OPERATOR,
            "level": level,
            "cert_no": f"S0000310000{evaluator:03d}{issued.year % 100:02d}{level_digit}{serial:05d}",
            "registration_no": None,
            "org_credit_code": None,
            "org_name": None,
            "issued_on": issued.isoformat(),
            "expires_on": None,
            "status": status,
        }
        self.certificates.append(record)
        person.roles.append(OPERATOR)
        return record

    def operator_level(self) -> str:
        return self.rng.choices(LEVELS, weights=(35, 40, 18, 5, 2))[0]

    # --- organisations ---

    def organizations(self) -> list[dict[str, object]]:
        brands = self.rng.sample(BRAND_NAMES, N_ORGS)
        statuses = ["正常"] * (N_ORGS - 6) + ["停业"] * 3 + ["注销"] * 3
        self.rng.shuffle(statuses)
        orgs = []
        for brand, status in zip(brands, statuses, strict=True):
            types = self.rng.choices(((MAINT,), (ASSESS,), (MAINT, ASSESS)), weights=(70, 15, 15))[0]
            registered = self.date_between(date(2004, 1, 1), date(2025, 6, 30))
            district = self.rng.choice(sorted(DISTRICTS))
            region = "310000" if self.rng.random() < 0.3 else district
            orgs.append(
                {
                    "credit_code": self.credit_code(registered, region),
                    "name": f"上海{brand}{self.rng.choice(SUFFIXES[types])}",
                    "types": list(types),
                    "legal_representative": "",
                    "legal_representative_id_number": "",
                    "registered_address": self.address(district),
                    "district": DISTRICTS[district][0],
                    "status": status,
                    # the fire registry record follows the business licence by a few weeks to years
                    "registered_at": max(registered, date(2014, 10, 1)) + timedelta(days=self.rng.randint(20, 400)),
                    "established_on": registered,
                }
            )
        for org in orgs:
            if org["registered_at"] > AS_OF:
                org["registered_at"] = AS_OF - timedelta(days=self.rng.randint(5, 60))
        return orgs

    def staff(self, orgs: list[dict[str, object]]) -> None:
        """Engineers and operators for each organisation; a few fall short of the 从业条件 on purpose."""
        normal = [o for o in orgs if o["status"] == "正常"]
        short_engineers = {id(o) for o in self.rng.sample(normal, 3)}
        short_operators = {id(o) for o in self.rng.sample([o for o in normal if MAINT in o["types"]], 3)}
        for org in orgs:
            code = str(org["credit_code"])
            gone = org["status"] == "注销"
            cert_status = "注销" if gone else None
            # the legal representative is a practitioner in a third of the firms, elsewhere a manager
            legal = self.new_person(1960, 1988, code, male_share=0.8)
            legal.roles.append("法定代表人")
            org["legal_representative"] = legal.name
            org["legal_representative_id_number"] = legal.id_number
            if id(org) in short_engineers:
                plan = [ENG2, ENG2] if self.rng.random() < 0.5 else [ENG1]
            else:
                plan = [ENG1, *self.rng.choices((ENG1, ENG2), weights=(60, 40), k=self.rng.randint(1, 3))]
            for i, kind in enumerate(plan):
                person = legal if i == 0 and self.rng.random() < 0.33 else self.new_person(1965, 1994, code)
                # lapsed registrations only beyond the first two, so no firm falls short by accident
                status = cert_status or ("过期" if i >= 2 and self.rng.random() < 0.2 else "有效")
                self.engineer_certificate(person, kind, org, status)
                if self.rng.random() < 0.15:
                    self.operator_certificate(person, self.rng.choice(LEVELS[1:3]))
            if MAINT not in org["types"]:
                continue
            if id(org) in short_operators:
                levels = [LEVELS[0]] * 4 + [LEVELS[1]] if self.rng.random() < 0.5 else [LEVELS[0]] * 5 + [LEVELS[2]]
            else:
                levels = [LEVELS[1], LEVELS[1]] + [self.operator_level() for _ in range(self.rng.randint(4, 8))]
            for i, level in enumerate(levels):
                person = self.new_person(1968, 2003, code, male_share=0.85)
                # a skill certificate outlives the firm; a few beyond the required six are revoked (e.g. found
                # obtained by cheating)
                revoked = i >= 6 and self.rng.random() < 0.06
                self.operator_certificate(person, level, "注销" if revoked else "有效")

    def shortfalls(self, orgs: list[dict[str, object]]) -> list[dict[str, object]]:
        """Active organisations below the 从业条件 at AS_OF (engineers by registry, operators by employer)."""
        employer = {p.id_number: p.employer_credit_code for p in self.persons}
        found = []
        for org in orgs:
            if org["status"] != "正常":
                continue
            code = org["credit_code"]
            valid = [c for c in self.certificates if c["status"] == "有效"]
            engineers = [c for c in valid if c["org_credit_code"] == code]
            operators = [c for c in valid if c["kind"] == OPERATOR and employer[str(c["id_number"])] == code]
            reasons = []
            if len(engineers) < 2:
                reasons.append("注册消防工程师少于2人")
            if not any(c["kind"] == ENG1 for c in engineers):
                reasons.append("无一级注册消防工程师")
            if MAINT in org["types"]:
                if len(operators) < 6:
                    reasons.append("消防设施操作员少于6人")
                if sum(LEVELS.index(str(c["level"])) >= 1 for c in operators) < 2:
                    reasons.append("中级及以上消防设施操作员少于2人")
            if reasons:
                found.append({"credit_code": code, "reasons": reasons})
        return found

    def extras(self) -> None:
        """Certificate holders without a Shanghai organisation, some of them with cancelled certificates."""
        for i in range(N_UNAFFILIATED):
            person = self.new_person(1966, 2000, None)
            if i % 3 == 0:
                kind = ENG1 if i % 6 == 0 else ENG2
                self.engineer_certificate(person, kind, None, "过期" if i % 2 == 0 else "注销")
            else:
                self.operator_certificate(person, self.operator_level(), "注销" if i % 4 == 1 else "有效")
        # a few people the registry has never heard of (no certificate at all)
        for _ in range(4):
            self.new_person(1975, 2002, None)

    def dual_registrations(self, orgs: list[dict[str, object]]) -> list[dict[str, str]]:
        """挂证: an engineer validly registered at one firm whom another firm claims as its staff."""
        normal = {o["credit_code"]: o for o in orgs if o["status"] == "正常"}
        people = {p.id_number: p for p in self.persons}
        candidates = [
            c
            for c in self.certificates
            if c["kind"] == ENG1 and c["status"] == "有效" and c["org_credit_code"] in normal
        ]
        cases = []
        for cert in self.rng.sample(candidates, N_DUAL):
            claimer = self.rng.choice([code for code in sorted(normal) if code != cert["org_credit_code"]])
            people[str(cert["id_number"])].employer_credit_code = claimer
            cases.append(
                {
                    "id_number": str(cert["id_number"]),
                    "name": str(cert["holder_name"]),
                    "registration_no": str(cert["registration_no"]),
                    "registered_org": str(cert["org_credit_code"]),
                    "claimed_by": claimer,
                }
            )
        return cases

    def business_registrations(self, orgs: list[dict[str, object]]) -> tuple[list[dict], list[dict], list[str]]:
        records = []
        for org in orgs:
            district = str(org["district"])
            region = str(org["credit_code"])[2:8]
            records.append(
                {
                    "credit_code": org["credit_code"],
                    "name": org["name"],
                    "legal_representative": org["legal_representative"],
                    "address": org["registered_address"],
                    "status": {"正常": "存续", "停业": "存续", "注销": "注销"}[str(org["status"])],
                    "established_on": org["established_on"],
                    "registered_capital_wan": self.rng.choice((100, 200, 300, 500, 500, 800, 1000, 1000, 2000, 5000)),
                    "enterprise_type": self.rng.choice(ENTERPRISE_TYPES),
                    "registration_authority": "上海市市场监督管理局"
                    if region == "310000"
                    else f"上海市{district}市场监督管理局",
                    "business_scope": "一般项目："
                    + "；".join(SCOPE[t] for t in org["types"])
                    + "。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
                }
            )
        # The business register moves first; the fire registry lags. These differences are deliberate.
        live = [r for r in records if r["status"] == "存续"]
        picked = self.rng.sample(live, 6)
        mismatches = []
        for record, change in zip(
            picked,
            ("name", "legal_representative", "legal_representative", "address", "address", "status"),
            strict=True,
        ):
            before = record[change]
            if change == "name":
                record["name"] = str(record["name"]).replace("有限公司", "集团有限公司")
            elif change == "legal_representative":
                record["legal_representative"] = self.person_name(self.rng.random() < 0.8)
            elif change == "address":
                district = self.rng.choice(sorted(DISTRICTS))
                record["address"] = self.address(district)
            else:
                record["status"] = "吊销"
            mismatches.append(
                {
                    "credit_code": record["credit_code"],
                    "field": change,
                    "registry": before,
                    "business": record[change],
                }
            )
        business_only = []
        for brand in [b for b in BRAND_NAMES if all(b not in str(o["name"]) for o in orgs)][:N_BUSINESS_ONLY]:
            established = self.date_between(date(2018, 1, 1), date(2026, 3, 31))
            district = self.rng.choice(sorted(DISTRICTS))
            code = self.credit_code(established, district)
            business_only.append(code)
            records.append(
                {
                    "credit_code": code,
                    "name": f"上海{brand}消防技术服务有限公司",
                    "legal_representative": self.person_name(True),
                    "address": self.address(district),
                    "status": "存续",
                    "established_on": established,
                    "registered_capital_wan": self.rng.choice((100, 200, 500)),
                    "enterprise_type": ENTERPRISE_TYPES[0],
                    "registration_authority": f"上海市{DISTRICTS[district][0]}市场监督管理局",
                    "business_scope": "一般项目："
                    + SCOPE[MAINT]
                    + "。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
                }
            )
        return records, mismatches, business_only


def build(seed: int = SEED) -> dict[str, object]:
    gen = Generator(seed)
    orgs = gen.organizations()
    gen.staff(orgs)
    gen.extras()
    dual = gen.dual_registrations(orgs)
    business, mismatches, business_only = gen.business_registrations(orgs)
    for org in orgs:
        del org["established_on"]
    assert all(is_valid_credit_code(str(r["credit_code"])) for r in business)
    assert all(is_valid_id_number(p.id_number, today=AS_OF) for p in gen.persons)
    return {
        "about": "Fictional data in real formats for the registry and big-data simulators. "
        "Generated by scripts/make_registry_dataset.py; see README.md.",
        "seed": seed,
        "as_of": AS_OF,
        "organizations": orgs,
        "persons": [
            {
                "name": p.name,
                "id_number": p.id_number,
                "mobile": p.mobile,
                "employer_credit_code": p.employer_credit_code,
                "roles": sorted(set(p.roles)),
            }
            for p in gen.persons
        ],
        "certificates": gen.certificates,
        "business_registrations": business,
        "scenarios": {
            "dual_registration": dual,
            "business_mismatch": mismatches,
            "business_only": business_only,
            "below_conditions": gen.shortfalls(orgs),
        },
    }


def dumps(dataset: dict[str, object]) -> str:
    """One record per line: small diffs, still valid JSON."""

    def one(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, default=lambda d: d.isoformat(), separators=(", ", ": "))

    lines = ["{"]
    items = list(dataset.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, list):
            body = ",\n".join(f"  {one(v)}" for v in value)
            lines.append(f"  {one(key)}: [\n{body}\n  ]{comma}")
        elif isinstance(value, dict):
            inner = ",\n".join(
                f"    {one(k)}: [\n" + ",\n".join(f"      {one(x)}" for x in v) + "\n    ]" for k, v in value.items()
            )
            lines.append(f"  {one(key)}: {{\n{inner}\n  }}{comma}")
        else:
            lines.append(f"  {one(key)}: {one(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    dataset = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(dataset), encoding="utf-8")
    counts = {k: len(v) for k, v in dataset.items() if isinstance(v, list)}
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: {counts}")


if __name__ == "__main__":
    main()

"""Demo data: verified organisations in different districts, taken from the registry simulator's dataset
with their real (fictional) staff, registered through the same services the API calls.

Every organisation has its legal representative's account and a second org admin; its engineers and
operators are practitioners with their certificates checked against the registry and employed in positions
that meet the practice conditions, except 上海润盾 (金山), which the dataset gives a single engineer.
No face is enrolled (demo data must not depend on photos): each demo practitioner has a supervisor-approved
alternative identity check instead, so identity is verified and the demo works end to end.
"""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from backend.adapters.registry import RegistryCertificate, RegistryOrg, RegistrySimulator, SimulatedPerson
from backend.bootstrap import adapters
from backend.core.access import Actor
from backend.core.db import db, unit_of_work
from backend.core.errors import Conflict
from backend.core.pdf import register_cjk_font
from backend.core.timeutil import today
from backend.modules.accounts.queries import User, user_by_id
from backend.modules.accounts.services import actor_for, create_user, user_by_phone

from . import services
from .models import POSITIONS, Employment, Organization, Practitioner
from .practitioners import REGISTRY_KINDS

# (credit code, org admin demo phone). Chosen from the dataset: one per district, five that meet the
# conditions with their staff and one that does not (fewer than two registered engineers).
DEMO_ORGS = (
    ("91310101MAC1PBUW93", "13600000101"),  # 上海耀安消防设施检测有限公司, 黄浦区
    ("91310104671876978W", "13600000102"),  # 上海申卫消防安全评估有限公司, 徐汇区
    ("91310000695149417H", "13600000103"),  # 上海华盾消防科技有限公司, 浦东新区
    ("91310105785734193N", "13600000104"),  # 上海同安安全技术咨询有限公司, 长宁区
    ("91310106MACBQJKA1N", "13600000105"),  # 上海卓安消防工程有限公司, 静安区
    ("913101166716818391", "13600000106"),  # 上海润盾消防安全评估有限公司, 金山区 (below the conditions)
)
TYPE_KEYS = {"维护保养检测": "maintenance_testing", "消防安全评估": "assessment"}
OPERATOR_LEVEL_NAMES = ("五级/初级", "四级/中级", "三级/高级", "二级/技师", "一级/高级技师")
# Per category: (name, calibration due in so many days, or None when not calibrated).
EQUIPMENT: dict[str, list[tuple[str, int | None]]] = {
    "basic": [("计算机及打印设备", None), ("激光测距仪", 365), ("数码照相机", None)],
    "maintenance_testing": [("火灾探测器功能试验器", 300), ("数字声级计", 240), ("消火栓系统试水检测装置", 200)],
    "assessment": [("红外热像仪", 330), ("可燃气体检测仪", 180)],
}


def _user(phone: str, name: str | None = None) -> User:
    return user_by_phone(phone) or create_user(phone, name)


def _actor(phone: str, name: str | None = None) -> Actor:
    with unit_of_work() as uow:
        user = _user(phone, name)
        uow.commit()
        return actor_for(user)


def _reviewer(district_code: str | None) -> Actor:
    """The demo supervisor of that district (backend/demo.py creates them), else the corps admin."""
    from backend.demo import CORPS_ADMIN_PHONE, SUPERVISORS

    phone = next((p for p, _, j, _ in SUPERVISORS if j == district_code), CORPS_ADMIN_PHONE)
    return _actor(phone)


def _pdf(title: str, org_name: str) -> bytes:
    from reportlab.pdfgen import canvas

    font = register_cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont(font, 18)
    pdf.drawString(72, 760, title)
    pdf.setFont(font, 12)
    pdf.drawString(72, 730, org_name)
    pdf.drawString(72, 710, "（演示数据）")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _licence(org_name: str, credit_code: str) -> bytes:
    image = Image.new("RGB", (1000, 700), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 980, 680), outline=(180, 30, 30), width=8)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 36)
    except OSError:
        font = ImageFont.load_default()
    draw.text((380, 70), "营业执照", fill=(180, 30, 30), font=font)
    draw.text((80, 220), f"统一社会信用代码 {credit_code}", fill="black", font=font)
    draw.text((80, 300), f"名称 {org_name}", fill="black", font=font)
    draw.text((80, 560), "（演示数据）", fill="gray", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _equipment(types: list[str]) -> list[dict[str, object]]:
    items = []
    for category in ("basic", *types):
        for name, days in EQUIPMENT[category]:
            due = today() + timedelta(days=days) if days else None
            items.append({"category": category, "name": name, "quantity": 1, "calibration_due": due})
    return items


def _staff_certificates(id_number: str, credit_code: str) -> list[RegistryCertificate]:
    return [
        c
        for c in adapters().registry.lookup_certificates(id_number=id_number)
        if c.kind in REGISTRY_KINDS and (c.org_credit_code in (None, credit_code))
    ]


def _position(certs: list[RegistryCertificate], lead_taken: bool, project_lead_taken: bool) -> str:
    valid = {c.kind for c in certs if c.is_valid}
    held = {c.kind for c in certs}
    if "一级注册消防工程师" in valid and not lead_taken:
        return "technical_lead"
    if valid & {"一级注册消防工程师", "二级注册消防工程师"} and not project_lead_taken:
        return "project_lead"
    if held & {"一级注册消防工程师", "二级注册消防工程师"}:
        return "engineer"
    return "operator"


def _register_practitioner(person: SimulatedPerson, reviewer: Actor) -> Actor:
    actor = _actor(person.mobile, person.name)
    services.register_practitioner(actor, name=person.name, id_number=person.id_number)
    actor = _actor(person.mobile)
    for cert in adapters().registry.lookup_certificates(id_number=person.id_number):
        level = 5 - OPERATOR_LEVEL_NAMES.index(cert.level) if cert.level in OPERATOR_LEVEL_NAMES else None
        services.declare_certificate(
            actor,
            kind=REGISTRY_KINDS[cert.kind],
            cert_no=cert.cert_no,
            registration_no=cert.registration_no,
            level=level,
        )
    practitioner = services.my_profile(actor)
    services.approve_alternative_identity(
        reviewer, practitioner.id, "in_person_id_card", "演示数据：窗口现场核验居民身份证原件"
    )
    return actor


def _dataset_org(credit_code: str) -> tuple[RegistryOrg, list[SimulatedPerson]]:
    """The organisation and its people as the registry simulator's dataset has them: the demo tells the
    dataset's story, so it needs the simulator (the real registry has no phone numbers nor employers)."""
    registry = adapters().registry
    if not isinstance(registry, RegistrySimulator):
        raise RuntimeError("演示数据取自全国系统模拟器的数据集：REGISTRY_BACKEND 须为 simulator")
    record = registry.lookup_organization(credit_code)
    if record is None:
        raise RuntimeError(f"演示机构 {credit_code} 不在全国系统模拟器的数据集中")
    return record, [p for p in registry.persons() if p.employer_credit_code == credit_code]


def _seed_org(credit_code: str, admin_phone: str) -> None:
    record, people = _dataset_org(credit_code)
    rep = next(p for p in people if p.name == record.legal_representative)
    types = [TYPE_KEYS[t] for t in record.types]

    legal_rep = _actor(rep.mobile, rep.name)
    org = services.register_organization(
        legal_rep,
        credit_code=credit_code,
        name=record.name,
        types=types,
        legal_rep_name=rep.name,
        legal_rep_id_number=rep.id_number,
        address=record.registered_address,
        workplace_area_m2=260 if "maintenance_testing" in types else 150,
        equipment=_equipment(types),
    )
    legal_rep = _actor(rep.mobile)
    services.upload_document(legal_rep, org.id, "business_licence", _licence(record.name, credit_code))
    if "maintenance_testing" in types:
        services.upload_document(legal_rep, org.id, "quality_system", _pdf("质量管理体系文件", record.name))
    if "assessment" in types:
        services.upload_document(legal_rep, org.id, "assessment_control", _pdf("评估过程控制体系文件", record.name))
    services.submit_organization(legal_rep, org.id)
    reviewer = _reviewer(org.district_code)
    services.review_organization(reviewer, org.id, "approve", ["演示数据：材料齐全，与全国系统一致"])
    services.add_org_admin(legal_rep, org.id, admin_phone, f"{record.name[2:4]}管理员")

    lead_taken = project_lead_taken = False
    for person in people:
        certs = _staff_certificates(person.id_number, credit_code)
        if person is rep or not certs:
            continue
        practitioner = _register_practitioner(person, reviewer)
        position = _position(certs, lead_taken, project_lead_taken)
        lead_taken |= position == "technical_lead"
        project_lead_taken |= position == "project_lead"
        employment = services.invite(legal_rep, org.id, phone=person.mobile, position=position)
        try:
            services.accept(practitioner, employment.id)
        except Conflict:  # 挂证 cases of the dataset: refused, and the evidence stays for the warning scans
            continue


def _district(code: str | None) -> str:
    from backend.core.jurisdictions import DISTRICTS

    return DISTRICTS.get(code or "", code or "")


def _lines(org: Organization, admin_phone: str) -> list[str]:
    """Who to log in as, read back from the database (the same on every run)."""
    state = "符合从业条件" if org.conditions_met else "不符合从业条件"
    rep = user_by_id(org.legal_rep_user_id)
    lines = [
        f"  {org.name}（{_district(org.district_code)}，{state}）",
        f"    法定代表人 {org.legal_rep_name} {rep.phone if rep else ''}；机构管理员 {admin_phone}",
    ]
    rows = db.session.execute(
        sa.select(Employment.position, Practitioner.name, User.phone)
        .join(Practitioner, Practitioner.id == Employment.practitioner_id)
        .join(User, User.id == Practitioner.user_id)
        .where(Employment.org_id == org.id, Employment.status == "active")
        .order_by(Employment.id)
    ).all()
    shown = [r for r in rows if r.position in ("technical_lead", "project_lead")]
    shown += [r for r in rows if r.position == "operator"][:1]
    lines += [f"    {POSITIONS[r.position]} {r.name} {r.phone}" for r in shown]
    lines.append(f"    在职从业人员共 {len(rows)} 人")
    return lines


def load() -> list[str]:
    """Idempotent: an organisation already present (by credit code) is left as it is."""
    lines = ["实名认证演示机构（从业人员已通过替代身份核验，无人脸数据；用手机号登录）："]
    for credit_code, admin_phone in DEMO_ORGS:
        org = db.session.scalar(sa.select(Organization).where(Organization.credit_code == credit_code))
        if org is None:
            _seed_org(credit_code, admin_phone)
            org = db.session.scalar(sa.select(Organization).where(Organization.credit_code == credit_code))
        assert org is not None
        lines += _lines(org, admin_phone)
    return lines

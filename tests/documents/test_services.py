"""Conclusion-document rules: the draft from records, face-checked signatures, every effectiveness rule of
docs/design.md §4 (each unmet one listed), rendering with a signed QR, revocation, the 维保标识."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from backend.core.audit import AuditLog
from backend.core.db import db
from backend.core.errors import Conflict, Forbidden, ValidationFailed
from backend.core.files import StoredFile
from backend.core.signing import digest_claim, token_from_payload
from backend.core.timeline import TimelineEvent
from backend.core.timeutil import utcnow
from backend.modules.documents import notice
from backend.modules.documents.keys import signing_keys
from backend.modules.documents.models import ConclusionDocument
from backend.modules.documents.services import drafts, effectiveness, revocation, signing
from backend.modules.feedback import services as feedback_services
from backend.modules.realname.models import Employment
from tests.builders.accounts import actor_of, make_user
from tests.builders.media import face_photo, recaptured
from tests.documents.builders import confirm_month_feedback, make_practitioner, make_world, sign_both


def draft(world: Any) -> ConclusionDocument:
    return drafts.create_draft(actor_of(world.admin), world.project.id, *month_period(world.year, world.month))


def month_period(year: int, month: int) -> tuple[Any, Any]:
    from backend.modules.projects import catalogue

    key = f"{year:04d}-{month:02d}"
    return catalogue.first_of(key), catalogue.last_of(key)


def reasons(document: ConclusionDocument) -> set[str]:
    return {r["code"] for r in document.block_reasons}


def test_draft_is_made_from_the_months_records(ctx: Any) -> None:
    world = make_world()
    document = draft(world)

    assert re.fullmatch(rf"WB-310104-{world.year}-\d{{6}}", document.report_number or "")
    assert document.status == "draft"
    assert len(document.items) == len(world.plan_items)
    by_item = {item["item"]: item for item in document.items}
    assert by_item["消防水泵手动启动运转及供电电源检查"]["result"] == "不合格"
    assert by_item["消防水泵手动启动运转及供电电源检查"]["facility_system"] == "消防供水设施"
    fixed = [item for item in document.items if item["note"].startswith("现场已修复")]
    assert len(fixed) == 1 and fixed[0]["result"] == "合格"
    (defect,) = document.defects
    assert defect["severity"] == "严重" and "更换水泵叶轮" in defect["repair"]
    assert document.project_lead_id == world.lead.practitioner.id
    assert document.technical_lead_id == world.tech.practitioner.id
    assert "共" in document.conclusion


def test_plan_item_without_a_record_is_not_checked(ctx: Any) -> None:
    world = make_world()
    db.session.delete(world.records[-1])
    db.session.commit()
    document = draft(world)
    unchecked = [item for item in document.items if item["result"] == "未检"]
    assert [item["plan_item_id"] for item in unchecked] == [world.records[-1].plan_item_id]


def test_document_takes_effect_with_every_rule_met_and_is_rendered_with_a_signed_qr(ctx: Any) -> None:
    world = make_world()
    confirm_month_feedback(world)
    document = draft(world)

    after_first = signing.sign(actor_of(world.lead.login), document.id, "face", face_photo("obama2.jpg"))
    assert after_first.status == "draft"
    document = signing.sign(actor_of(world.tech.login), document.id, "face", recaptured("biden.jpg"))

    assert document.status == "effective", document.block_reasons
    assert document.block_reasons == [] and document.flags == []
    db.session.expire_all()
    document = db.session.get(ConclusionDocument, document.id)
    assert document.pdf_file_id is not None
    stored = db.session.get(StoredFile, document.pdf_file_id)
    pdf = stored.read()
    assert stored.sha256 == document.pdf_sha256
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert document.report_number in text and world.org.name in text
    claims = signing_keys().verifier.verify(document.token)
    assert claims["no"] == document.report_number and claims["typ"] == "WB"
    assert claims["sha"] == digest_claim(document.content_sha256)
    kinds = [e.kind for e in db.session.scalars(sa.select(TimelineEvent).order_by(TimelineEvent.id))]
    assert kinds.count("document.signed") == 2 and "document.effective" in kinds


def test_signer_who_never_checked_in_on_site_blocks_the_document(ctx: Any) -> None:
    world = make_world(tech_on_site=False)
    confirm_month_feedback(world)
    document = sign_both(draft(world).id, world)

    assert document.status == "blocked"
    assert reasons(document) == {"technical_lead_not_on_site"}
    (reason,) = document.block_reasons
    assert reason["message"] == "技术负责人在服务期间没有经核验的现场签到记录"
    assert document.pdf_file_id is None


def test_visit_with_failed_face_check_does_not_count_as_on_site(ctx: Any) -> None:
    from tests.documents.builders import local, make_visit

    world = make_world(tech_on_site=False)
    make_visit(world.project, world.tech, local(world.year, world.month, 12, 14), face_passed=False)
    confirm_month_feedback(world)
    assert reasons(sign_both(draft(world).id, world)) == {"technical_lead_not_on_site"}


def test_every_unmet_reason_is_listed(ctx: Any) -> None:
    world = make_world(lead_on_site=False, tech_on_site=False)
    document = draft(world)
    drafts.update_draft(
        actor_of(world.admin),
        document.id,
        items=[
            {"system_code": "gas_extinguishing", "item": "灭火剂储存容器压力及称重", "result": "合格", "note": ""},
        ],
    )
    document = sign_both(document.id, world)
    assert document.status == "blocked"
    assert reasons(document) == {
        "project_lead_not_on_site",
        "technical_lead_not_on_site",
        "feedback_missing",
        "items_outside_building_systems",
    }

    # the organisation is then suspended and falls below its conditions; the project lead leaves
    world.org.status = "suspended"
    world.org.conditions_met = False
    db.session.execute(
        sa.update(Employment).where(Employment.practitioner_id == world.lead.practitioner.id).values(status="ended")
    )
    db.session.commit()
    document = effectiveness.reevaluate(actor_of(world.admin), document.id)
    assert {"org_suspended", "org_conditions_unmet", "project_lead_not_employed"} <= reasons(document)
    assert len(document.block_reasons) == 7


def test_item_marked_passed_over_an_open_defect_blocks(ctx: Any) -> None:
    world = make_world()
    world.defect.status = "open"
    db.session.commit()
    confirm_month_feedback(world)
    document = draft(world)
    items = [{**item, "result": "合格"} for item in document.items]
    drafts.update_draft(actor_of(world.admin), document.id, items=items, refresh_defects=True)
    document = sign_both(document.id, world)
    assert reasons(document) == {"item_passed_with_open_defect"}
    (clash,) = document.block_reasons[0]["details"]["items"]
    assert clash["defect_id"] == world.defect.id


def test_unpublished_project_and_unappointed_technical_lead_block(ctx: Any) -> None:
    world = make_world()
    confirm_month_feedback(world)
    document = draft(world)
    world.project.status = "registered"
    world.project.published_at = None
    db.session.execute(
        sa.update(Employment)
        .where(Employment.practitioner_id == world.tech.practitioner.id)
        .values(position="engineer")
    )
    db.session.commit()
    document = sign_both(document.id, world)
    assert reasons(document) == {"project_not_published", "technical_lead_not_appointed"}


def test_pending_then_confirmed_feedback(ctx: Any, app: Any) -> None:
    from backend.modules.feedback import contact
    from backend.modules.feedback.links import link_token

    world = make_world()
    feedback = feedback_services.create_monthly_feedback(world.project.id, world.year, world.month)
    document = sign_both(draft(world).id, world)
    assert reasons(document) == {"feedback_pending"}

    contact.open_feedback(feedback.id, link_token(feedback.id, feedback.link_nonce), "oClient0000000000000000000001")
    contact.confirm(feedback.id, "oClient0000000000000000000001", 4, "")
    db.session.expire_all()
    document = db.session.get(ConclusionDocument, document.id)
    assert document.status == "effective"  # the confirmation re-evaluated it (documents job)
    assert document.pdf_sha256 is not None


def test_disputed_feedback_blocks_and_lapsed_window_is_flagged(ctx: Any) -> None:
    from backend.modules.feedback import contact
    from backend.modules.feedback.links import link_token

    world = make_world()
    feedback = feedback_services.create_monthly_feedback(world.project.id, world.year, world.month)
    contact.open_feedback(feedback.id, link_token(feedback.id, feedback.link_nonce), "oClient0000000000000000000002")
    contact.dispute(feedback.id, "oClient0000000000000000000002", "当天未见检测人员到场", 1, None)
    assert reasons(sign_both(draft(world).id, world)) == {"feedback_disputed"}

    other = make_world(org_name="上海安居消防工程有限公司")
    feedback = feedback_services.create_monthly_feedback(other.project.id, other.year, other.month)
    document = sign_both(draft(other).id, other)
    assert reasons(document) == {"feedback_pending"}
    db.session.get(type(feedback), feedback.id).deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert feedback_services.expire_overdue_feedback() == [feedback.id]
    db.session.expire_all()
    document = db.session.get(ConclusionDocument, document.id)
    assert document.status == "effective"
    assert [flag["code"] for flag in document.flags] == ["feedback_window_lapsed"]


def test_face_mismatch_refuses_the_signature_and_keeps_the_attempt(ctx: Any) -> None:
    world = make_world()
    document = draft(world)
    with pytest.raises(ValidationFailed) as caught:
        signing.sign(actor_of(world.lead.login), document.id, "face", face_photo("biden.jpg"))
    assert caught.value.code == "signature_face_mismatch"
    assert caught.value.details["distance"] > 0.5
    db.session.expire_all()
    assert db.session.get(ConclusionDocument, document.id).signatures == []
    attempt = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "document.sign_face_failed"))
    assert attempt is not None and attempt.changes["practitioner_id"] == world.lead.practitioner.id


def test_signing_needs_a_photo_or_an_approved_alternative(ctx: Any) -> None:
    world = make_world()
    document = draft(world)
    with pytest.raises(ValidationFailed) as caught:
        signing.sign(actor_of(world.lead.login), document.id, "face", None)
    assert caught.value.code == "signature_photo_required"
    with pytest.raises(Forbidden) as refused:
        signing.sign(actor_of(world.lead.login), document.id, "alternative", None)
    assert refused.value.code == "alternative_identity_not_approved"

    world.lead.practitioner.alt_identity_approved_at = utcnow()
    db.session.commit()
    signed = signing.sign(actor_of(world.lead.login), document.id, "alternative", None)
    (signature,) = signed.signatures
    assert signature.identity_method == "alternative" and signature.face_distance is None


def test_only_the_two_signers_sign_and_each_once(ctx: Any) -> None:
    world = make_world()
    stranger = make_practitioner(world.org, "李志强", position="engineer")
    document = draft(world)
    with pytest.raises(Forbidden) as caught:
        signing.sign(actor_of(stranger.login), document.id, "face", face_photo("obama2.jpg"))
    assert caught.value.code == "not_a_signer"
    signing.sign(actor_of(world.lead.login), document.id, "face", face_photo("obama2.jpg"))
    with pytest.raises(Conflict) as again:
        signing.sign(actor_of(world.lead.login), document.id, "face", face_photo("obama2.jpg"))
    assert again.value.code == "already_signed"


def test_editing_withdraws_the_signatures(ctx: Any) -> None:
    world = make_world()
    document = draft(world)
    signing.sign(actor_of(world.lead.login), document.id, "face", face_photo("obama2.jpg"))
    edited = drafts.update_draft(actor_of(world.admin), document.id, conclusion="本月维护保养已完成。")
    assert edited.signatures == [] and edited.conclusion == "本月维护保养已完成。"


def test_supervisor_revokes_an_effective_document_in_its_jurisdiction(ctx: Any) -> None:
    world = make_world()
    confirm_month_feedback(world)
    document = sign_both(draft(world).id, world)
    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    with pytest.raises(Forbidden) as caught:
        revocation.revoke(actor_of(huangpu), document.id, "记录与现场不符")
    assert caught.value.code == "out_of_jurisdiction"
    xuhui = make_user(roles=("supervisor",), jurisdiction="310104")
    revoked = revocation.revoke(actor_of(xuhui), document.id, "现场检查发现维保记录与实际不符")
    assert revoked.status == "revoked" and revoked.revoke_reason.startswith("现场检查")
    with pytest.raises(Conflict):
        revocation.revoke(actor_of(xuhui), document.id, "再次撤销")


def test_maintenance_notice_after_a_visit(ctx: Any, tmp_path: Any) -> None:
    from tests.documents.test_rendering import scan_qr_codes

    world = make_world()
    pdf, filename = notice.maintenance_notice(actor_of(world.admin), world.project.id)
    assert filename.endswith(".pdf") and world.project.project_no in filename
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "建筑消防设施维护保养标识" in text and world.project.building_name in text and "张伟明" in text
    (payload,) = scan_qr_codes(pdf, tmp_path)
    claims = signing_keys().verifier.verify(token_from_payload(payload))
    assert claims["typ"] == "BS" and claims["no"] == world.project.project_no

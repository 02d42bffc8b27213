"""Conclusion documents over HTTP, end to end: draft, face-checked signatures, the rendered PDF whose printed
QR (read back with pdftoppm + zbarimg) verifies as effective through the public API; altered PDFs, forged
tokens, revocation, the public keys, the offline CLI, and who may do what."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from backend.core.signing import TokenSigner, generate_keypair, token_from_payload
from tests.builders.accounts import make_user
from tests.builders.media import face_photo, photo_b64, recaptured
from tests.documents.builders import World, confirm_month_feedback, make_practitioner, make_world
from tests.documents.test_rendering import scan_qr_codes


def effective_document(client: Any, world: World) -> dict[str, Any]:
    """Draft through the API and both signatures with a photo each, as the mini-program sends them."""
    r = client.post(
        f"/api/v1/projects/{world.project.id}/documents", json={"month": world.month_key}, headers=world.admin.headers
    )
    assert r.status_code == 201, r.get_json()
    document = r.get_json()
    r = client.post(
        f"/api/v1/documents/{document['id']}/signatures",
        json={"photo": photo_b64(face_photo("obama2.jpg"))},
        headers=world.lead.headers,
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "draft"
    r = client.post(
        f"/api/v1/documents/{document['id']}/signatures",
        json={"identity_method": "face", "photo": "data:image/jpeg;base64," + photo_b64(recaptured("biden.jpg"))},
        headers=world.tech.headers,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def download_pdf(client: Any, document_id: int, headers: dict[str, str]) -> bytes:
    r = client.get(f"/api/v1/documents/{document_id}/pdf", headers=headers)
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/pdf"
    return r.data


@pytest.fixture
def signed(client: Any, ctx: Any) -> tuple[World, dict[str, Any], bytes]:
    world = make_world()
    confirm_month_feedback(world)
    document = effective_document(client, world)
    assert document["status"] == "effective", document["block_reasons"]
    assert document["pdf_ready"] is True
    return world, document, download_pdf(client, document["id"], world.admin.headers)


def test_printed_qr_leads_to_an_effective_verification(client: Any, signed: Any, tmp_path: Path, app: Any) -> None:
    world, document, pdf = signed
    (payload,) = scan_qr_codes(pdf, tmp_path)
    assert payload.startswith(app.config["PUBLIC_BASE_URL"] + "/verify?t=")

    r = client.get("/api/v1/public/verify", query_string={"t": token_from_payload(payload)})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["result"] == "effective" and body["result_text"] == "该文件真实有效"
    summary = body["document"]
    assert summary["report_number"] == document["report_number"]
    assert summary["organisation_name"] == world.org.name
    assert summary["doc_type_name"] == "维护保养记录" and summary["status"] == "effective"
    assert {s["role"]: s["name_masked"] for s in summary["signers"]} == {
        "project_lead": "张*明",
        "technical_lead": "欧**华",
    }
    assert "张伟明" not in r.get_data(as_text=True)

    # The phone camera opens the URL itself: the human page says the same.
    page = client.get(urlsplit(payload).path + "?" + urlsplit(payload).query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "该文件真实有效" in html and document["report_number"] in html and 'data-result="effective"' in html


def test_uploaded_pdf_is_genuine_and_one_changed_byte_makes_it_altered(client: Any, signed: Any) -> None:
    _world, document, pdf = signed

    r = client.post("/api/v1/public/verify", data={"file": (io.BytesIO(pdf), "report.pdf")})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"] == "genuine"
    assert r.get_json()["document"]["report_number"] == document["report_number"]

    changed = bytearray(pdf)
    middle = len(changed) // 2
    changed[middle] = (changed[middle] + 1) % 256
    r = client.post("/api/v1/public/verify", data={"file": (io.BytesIO(bytes(changed)), "report.pdf")})
    assert r.get_json()["result"] == "altered"
    assert r.get_json()["document"]["report_number"] == document["report_number"]

    page = client.post("/verify", data={"file": (io.BytesIO(bytes(changed)), "report.pdf")})
    assert page.status_code == 200 and "可能被篡改" in page.get_data(as_text=True)


def test_pdf_the_system_never_issued_is_unknown(client: Any, ctx: Any) -> None:
    from backend.modules.documents.rendering import render_conclusion_pdf
    from tests.documents.test_rendering import make_conclusion_view

    foreign = render_conclusion_pdf(make_conclusion_view(item_count=5))
    r = client.post("/api/v1/public/verify", data={"file": (io.BytesIO(foreign), "other.pdf")})
    assert r.get_json()["result"] == "unknown"
    r = client.post("/api/v1/public/verify", data={"file": (io.BytesIO(b"GIF89a not a pdf"), "x.pdf")})
    assert r.status_code == 422 and r.get_json()["code"] == "file_type_not_allowed"


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_forged_or_edited_tokens_fail(client: Any, signed: Any) -> None:
    _world, document, _pdf = signed
    from backend.core.db import db
    from backend.modules.documents.models import ConclusionDocument

    token = db.session.get(ConclusionDocument, document["id"]).token
    header, claims, signature = _segments(token)
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    edited_claims = _b64(json.dumps({**decoded, "no": decoded["no"][:-1] + "9"}, separators=(",", ":")).encode())
    kid = json.loads(base64.urlsafe_b64decode(header + "=="))["kid"]
    forged = TokenSigner(generate_keypair()[0], kid).sign(decoded)  # same claims, someone else's key

    cases = {
        f"{header}.{edited_claims}.{signature}": "report_token_invalid",
        forged: "report_token_invalid",
        TokenSigner(generate_keypair()[0], "kid-nobody-has").sign(decoded): "report_token_unknown_key",
        "not-a-token": "report_token_malformed",
    }
    for bad, code in cases.items():
        r = client.get("/api/v1/public/verify", query_string={"t": bad})
        assert r.status_code == 422, (bad, r.get_json())
        assert r.get_json()["code"] == code

    page = client.get("/verify", query_string={"t": forged})
    assert page.status_code == 422 and "核验未通过" in page.get_data(as_text=True)


def test_revoked_document_verifies_as_revoked_with_the_reason(client: Any, signed: Any) -> None:
    _world, document, pdf = signed
    supervisor = make_user(roles=("supervisor",), jurisdiction="310104")
    r = client.post(
        f"/api/v1/documents/{document['id']}/revocation",
        json={"reason": "现场检查发现维保记录与实际不符"},
        headers=supervisor.headers,
    )
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    from backend.core.db import db
    from backend.modules.documents.models import ConclusionDocument

    token = db.session.get(ConclusionDocument, document["id"]).token
    body = client.get("/api/v1/public/verify", query_string={"t": token}).get_json()
    assert body["result"] == "revoked"
    assert body["document"]["revoke_reason"] == "现场检查发现维保记录与实际不符"
    r = client.post("/api/v1/public/verify", data={"file": (io.BytesIO(pdf), "report.pdf")})
    assert r.get_json()["result"] == "genuine" and r.get_json()["document"]["status"] == "revoked"


def test_public_keys_verify_tokens_offline_with_the_cli(client: Any, signed: Any, app: Any, tmp_path: Path) -> None:
    _world, document, pdf = signed
    from backend.core.db import db
    from backend.modules.documents.models import ConclusionDocument

    token = db.session.get(ConclusionDocument, document["id"]).token
    jwks = client.get("/.well-known/report-signing-keys.json")
    assert jwks.status_code == 200
    (key,) = jwks.get_json()["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA"
    jwks_file = tmp_path / "keys.json"
    jwks_file.write_bytes(jwks.data)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "verify-token", token, "--public-key", str(jwks_file)])
    assert result.exit_code == 0, result.output
    assert "签名有效" in result.output and document["report_number"] in result.output

    pem = runner.invoke(args=["documents", "public-key"])
    assert pem.exit_code == 0 and pem.output.startswith("-----BEGIN PUBLIC KEY-----")
    pem_file = tmp_path / "key.pem"
    pem_file.write_text(pem.output)
    payload = scan_qr_codes(pdf, tmp_path)[0]
    result = runner.invoke(args=["documents", "verify-token", payload, "--public-key", str(pem_file)])
    assert result.exit_code == 0, result.output

    other = tmp_path / "other.pem"
    other.write_bytes(generate_keypair()[1])
    result = runner.invoke(args=["documents", "verify-token", token, "--public-key", str(other)])
    assert result.exit_code == 1 and "核验未通过" in result.output


def test_signer_never_on_site_is_blocked_with_that_reason_over_http(client: Any, ctx: Any) -> None:
    world = make_world(tech_on_site=False)
    confirm_month_feedback(world)
    document = effective_document(client, world)
    assert document["status"] == "blocked"
    assert [(r["code"], r["message"]) for r in document["block_reasons"]] == [
        ("technical_lead_not_on_site", "技术负责人在服务期间没有经核验的现场签到记录")
    ]
    assert document["pdf_ready"] is False
    r = client.get(f"/api/v1/documents/{document['id']}/pdf", headers=world.admin.headers)
    assert r.status_code == 409 and r.get_json()["code"] == "document_pdf_not_ready"


def test_face_mismatch_over_http(client: Any, ctx: Any) -> None:
    world = make_world()
    r = client.post(
        f"/api/v1/projects/{world.project.id}/documents", json={"month": world.month_key}, headers=world.admin.headers
    )
    r = client.post(
        f"/api/v1/documents/{r.get_json()['id']}/signatures",
        json={"photo": photo_b64(face_photo("kit_harington_john1.jpeg"))},
        headers=world.lead.headers,
    )
    assert r.status_code == 422 and r.get_json()["code"] == "signature_face_mismatch"
    r2 = client.post("/api/v1/documents/1/signatures", json={"photo": "not base64!"}, headers=world.lead.headers)
    assert r2.status_code == 422 and "photo" in r2.get_json()["details"]["fields"]["json"]


def test_draft_input_is_validated(client: Any, ctx: Any) -> None:
    world = make_world()
    url = f"/api/v1/projects/{world.project.id}/documents"
    assert client.post(url, json={"month": "2025-13"}, headers=world.admin.headers).status_code == 422
    assert client.post(url, json={}, headers=world.admin.headers).status_code == 422
    r = client.post(url, json={"period_start": "2025-03-31", "period_end": "2025-03-01"}, headers=world.admin.headers)
    assert r.status_code == 422 and r.get_json()["code"] == "document_period_invalid"


# --- who may do what ------------------------------------------------------------------------------------


def test_documents_are_visible_to_their_organisation_team_and_jurisdiction_only(client: Any, signed: Any) -> None:
    world, document, _pdf = signed
    url = f"/api/v1/documents/{document['id']}"
    other_org = make_world(wikidata_item="Q10867765", org_name="上海外滩消防技术有限公司")
    stranger = make_practitioner(world.org, "李志强", position="engineer")
    allowed = {
        "org admin": world.admin,
        "project lead": world.lead.login,
        "technical lead": world.tech.login,
        "徐汇 supervisor": make_user(roles=("supervisor",), jurisdiction="310104"),
        "corps": make_user(roles=("corps_admin",)),
    }
    for who, login in allowed.items():
        assert client.get(url, headers=login.headers).status_code == 200, who
        assert client.get(url + "/pdf", headers=login.headers).status_code == 200, who
    refused = {
        "other org admin": (other_org.admin, "forbidden"),
        "other org's lead": (other_org.lead.login, "forbidden"),
        "practitioner outside the project": (stranger.login, "forbidden"),
        "黄浦 supervisor": (make_user(roles=("supervisor",), jurisdiction="310101"), "out_of_jurisdiction"),
    }
    for who, (login, code) in refused.items():
        r = client.get(url, headers=login.headers)
        assert r.status_code == 403 and r.get_json()["code"] == code, who
        assert client.get(url + "/pdf", headers=login.headers).status_code == 403, who
    assert client.get(url).status_code == 401

    listed = client.get("/api/v1/documents", headers=other_org.admin.headers).get_json()["items"]
    assert listed == []
    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    assert client.get("/api/v1/documents", headers=huangpu.headers).get_json()["items"] == []
    xuhui = make_user(roles=("supervisor",), jurisdiction="310104")
    assert [d["id"] for d in client.get("/api/v1/documents", headers=xuhui.headers).get_json()["items"]] == [
        document["id"]
    ]
    assert [d["id"] for d in client.get("/api/v1/documents", headers=world.lead.headers).get_json()["items"]] == [
        document["id"]
    ]


def test_only_supervisors_of_the_area_revoke(client: Any, signed: Any) -> None:
    world, document, _pdf = signed
    url = f"/api/v1/documents/{document['id']}/revocation"
    body = {"reason": "出具虚假结论文件"}
    r = client.post(url, json=body, headers=world.admin.headers)
    assert r.status_code == 403 and r.get_json()["details"].get("gate") == "role"
    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    r = client.post(url, json=body, headers=huangpu.headers)
    assert r.status_code == 403 and r.get_json()["code"] == "out_of_jurisdiction"
    corps = make_user(roles=("corps_admin",))
    assert client.post(url, json=body, headers=corps.headers).status_code == 200


def test_drafting_and_editing_belong_to_the_organisation_and_project_lead(client: Any, ctx: Any) -> None:
    world = make_world()
    other = make_world(wikidata_item="Q10867765", org_name="上海外滩消防技术有限公司")
    url = f"/api/v1/projects/{world.project.id}/documents"
    body = {"month": world.month_key}
    assert client.post(url, json=body, headers=other.admin.headers).status_code == 403
    assert client.post(url, json=body, headers=world.tech.headers).status_code == 403  # not the project lead
    r = client.post(url, json=body, headers=world.lead.headers)
    assert r.status_code == 201
    doc_url = f"/api/v1/documents/{r.get_json()['id']}"
    assert client.patch(doc_url, json={"conclusion": "改写"}, headers=other.admin.headers).status_code == 403
    r = client.patch(doc_url, json={"conclusion": "本月维护保养工作已完成。"}, headers=world.admin.headers)
    assert r.status_code == 200 and r.get_json()["conclusion"] == "本月维护保养工作已完成。"
    supervisor = make_user(roles=("supervisor",), jurisdiction="310104")
    r = client.patch(doc_url, json={"conclusion": "x"}, headers=supervisor.headers)
    assert r.status_code == 403 and r.get_json()["details"].get("gate") == "role"


def test_maintenance_notice_download_and_access(client: Any, ctx: Any, tmp_path: Path) -> None:
    world = make_world()
    url = f"/api/v1/projects/{world.project.id}/maintenance-notice"
    r = client.get(url, headers=world.lead.headers)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    (payload,) = scan_qr_codes(r.data, tmp_path)
    body = client.get("/api/v1/public/verify", query_string={"t": token_from_payload(payload)}).get_json()
    assert body["kind"] == "maintenance_notice" and body["result"] == "notice_current"
    assert body["notice"]["building_name"] == world.project.building_name

    other = make_world(wikidata_item="Q10867765", org_name="上海外滩消防技术有限公司")
    assert client.get(url, headers=other.admin.headers).status_code == 403
    huangpu = make_user(roles=("supervisor",), jurisdiction="310101")
    assert client.get(url, headers=huangpu.headers).get_json()["code"] == "out_of_jurisdiction"
    xuhui = make_user(roles=("supervisor",), jurisdiction="310104")
    assert client.get(url, headers=xuhui.headers).status_code == 200

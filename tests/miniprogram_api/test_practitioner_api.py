"""Endpoints the mini-program's practitioner pages need beyond the realname API: the handwritten signature by
POST (wx.uploadFile can only POST) and a photo of a declared certificate. Through HTTP with real tokens."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image, ImageDraw

from backend.core.db import db
from backend.core.files import StoredFile
from backend.modules.realname.models import Certificate
from tests.builders.accounts import make_user
from tests.builders.media import face_photo, licence_image
from tests.builders.places import place
from tests.realname.builders import SHENWEI, Http, practitioner, practitioner_row, staff_of


def _signature_png() -> bytes:
    canvas = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).line([(100, 150), (220, 200), (360, 120)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def _engineer(client: Any) -> tuple[Http, Any]:
    login = practitioner(staff_of(SHENWEI, "一级注册消防工程师")[0])
    return Http(client, login), login


@pytest.mark.registry_data
def test_signature_upload_by_post_as_wx_upload_file_sends_it(client: Any, ctx: Any) -> None:
    http, _login = _engineer(client)
    assert http.get("/api/v1/practitioners/me").get_json()["signature_uploaded"] is False
    r = http.upload("/api/v1/practitioners/me/signature", "signature", _signature_png(), "sign.png", "post")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["signature_uploaded"] is True
    stored = Image.open(io.BytesIO(http.get("/api/v1/practitioners/me/signature").data))
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert stored.width < 600 and stored.height < 300  # trimmed to the ink as by PUT

    blank = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(blank, "PNG")
    r = http.upload("/api/v1/practitioners/me/signature", "signature", blank.getvalue(), "blank.png", "post")
    assert r.status_code == 422 and r.get_json()["code"]


def test_signature_post_needs_a_practitioner(client: Any, ctx: Any) -> None:
    nobody = Http(client, make_user())
    r = nobody.upload("/api/v1/practitioners/me/signature", "signature", _signature_png(), "sign.png", "post")
    assert r.status_code == 403 and r.get_json()["code"]
    anonymous = Http(client, None)
    r = anonymous.upload("/api/v1/practitioners/me/signature", "signature", _signature_png(), "sign.png", "post")
    assert r.status_code == 401


@pytest.mark.registry_data
def test_certificate_photo_is_stored_on_the_own_certificate_and_a_resend_changes_nothing(client: Any, ctx: Any) -> None:
    http, login = _engineer(client)
    cert_id = http.get("/api/v1/practitioners/me").get_json()["certificates"][0]["id"]
    photo = licence_image()
    r = http.upload(f"/api/v1/practitioners/me/certificates/{cert_id}/photo", "photo", photo, "cert.png")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == cert_id and body["photo_uploaded"] is True
    first = db.session.get(Certificate, cert_id).photo_file_id
    stored = db.session.get(StoredFile, first)
    assert stored is not None and stored.purpose == "certificate" and stored.uploaded_by == login.user_id
    assert stored.read() == photo
    listed = http.get("/api/v1/practitioners/me").get_json()["certificates"][0]
    assert listed["id"] == cert_id and listed["photo_uploaded"] is True  # the page knows after a restart too

    # the answer was lost and the phone sends the same picture again: still one stored file
    files_before = db.session.query(StoredFile).count()
    r = http.upload(f"/api/v1/practitioners/me/certificates/{cert_id}/photo", "photo", photo, "cert.png")
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(Certificate, cert_id).photo_file_id == first
    assert db.session.query(StoredFile).count() == files_before


@pytest.mark.registry_data
def test_certificate_photo_refusals(client: Any, ctx: Any) -> None:
    http, login = _engineer(client)
    cert_id = http.get("/api/v1/practitioners/me").get_json()["certificates"][0]["id"]

    r = http.upload(f"/api/v1/practitioners/me/certificates/{cert_id}/photo", "photo", b"not an image", "x.jpg")
    assert r.status_code == 422 and r.get_json()["message"]
    r = http.upload("/api/v1/practitioners/me/certificates/999999/photo", "photo", licence_image(), "c.png")
    assert r.status_code == 404 and r.get_json()["message"] == "证书不存在"

    # someone else's certificate is not found for another practitioner
    other = Http(client, practitioner(staff_of(SHENWEI, "一级注册消防工程师")[1], declare=False))
    r = other.upload(f"/api/v1/practitioners/me/certificates/{cert_id}/photo", "photo", licence_image(), "c.png")
    assert r.status_code == 404
    assert practitioner_row(login).certificates[0].photo_file_id is None


# --- photos added to a work record after it was filed (the offline queue sends them one by one) -----------


def _upload(client: Any, url: str, headers: dict[str, str], photo: bytes, name: str = "scene.jpg") -> Any:
    return client.post(
        url, data={"photo": (io.BytesIO(photo), name)}, headers=headers, content_type="multipart/form-data"
    )


def _filed_record(client: Any) -> tuple[Any, int]:
    from tests.projects import builders as b
    from tests.projects.test_api import post_check_in, setup_team

    _org, lead, project_id = setup_team()
    form = b.check_in_form(place("人民广场"))
    visit = post_check_in(client, project_id, lead, face_photo("obama2.jpg"), form)
    assert visit.status_code == 201, visit.get_json()
    r = client.post(
        f"/api/v1/visits/{visit.get_json()['id']}/records",
        json={"idempotency_key": "mp-record-0001", "system_code": "fire_alarm", "result": "normal"},
        headers=lead.login.headers,
    )
    assert r.status_code == 201, r.get_json()
    return lead, r.get_json()["id"]


def test_photos_are_attached_to_the_own_record_once_each(client: Any, ctx: Any) -> None:
    from backend.modules.projects.models import WorkRecord

    lead, record_id = _filed_record(client)
    url = f"/api/v1/records/{record_id}/photos"
    first = _upload(client, url, lead.login.headers, face_photo("rocket.jpg"))
    assert first.status_code == 201, first.get_json()
    (photo_id,) = first.get_json()["photo_file_ids"]
    stored = db.session.get(StoredFile, photo_id)
    assert stored is not None and stored.purpose == "work_record" and stored.uploaded_by == lead.login.user_id

    # the same picture again (the answer was lost): the record is unchanged
    again = _upload(client, url, lead.login.headers, face_photo("rocket.jpg"))
    assert again.status_code == 200 and again.get_json()["photo_file_ids"] == [photo_id]

    second = _upload(client, url, lead.login.headers, face_photo("obama.jpg"))
    assert second.status_code == 201 and second.get_json()["photo_file_ids"][0] == photo_id
    assert len(second.get_json()["photo_file_ids"]) == 2
    db.session.expire_all()
    assert len(db.session.get(WorkRecord, record_id).photo_file_ids) == 2


def test_record_photo_refusals(client: Any, ctx: Any) -> None:
    from tests.projects import builders as b

    lead, record_id = _filed_record(client)
    r = _upload(client, "/api/v1/records/999999/photos", lead.login.headers, face_photo("rocket.jpg"))
    assert r.status_code == 404 and r.get_json()["message"] == "工作记录不存在"
    r = _upload(client, f"/api/v1/records/{record_id}/photos", lead.login.headers, b"not an image")
    assert r.status_code == 422 and r.get_json()["message"]

    other = b.make_practitioner(None, name="王磊", face=None)
    r = _upload(client, f"/api/v1/records/{record_id}/photos", other.login.headers, face_photo("rocket.jpg"))
    assert r.status_code == 403 and r.get_json()["message"] == "只能为本人的工作记录添加照片"

    supervisor = make_user(roles=("supervisor",), jurisdiction="310101")
    r = _upload(client, f"/api/v1/records/{record_id}/photos", supervisor.headers, face_photo("rocket.jpg"))
    assert r.status_code == 403
    r = _upload(client, f"/api/v1/records/{record_id}/photos", {}, face_photo("rocket.jpg"))
    assert r.status_code == 401

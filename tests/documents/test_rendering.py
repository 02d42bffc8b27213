"""Conclusion-document and 维保标识 PDFs: embedded CJK font, extractable text, scannable QR that verifies
offline, transparent signatures, seal geometry."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from backend.core.pdf import DEFAULT_CJK_FONT_PATH, PdfFontMissing, load_cjk_font
from backend.core.signing import (
    TokenSigner,
    TokenVerifier,
    build_qr_payload,
    digest_claim,
    document_claims,
    generate_keypair,
    token_from_payload,
)
from backend.core.timeutil import SHANGHAI
from backend.core.validators import credit_code_check_char
from backend.modules.documents.rendering import (
    ConclusionView,
    DefectView,
    ItemView,
    MaintenanceNoticeView,
    SignerView,
    conclusion_content_sha256,
    render_conclusion_pdf,
    render_maintenance_notice_pdf,
)
from backend.modules.documents.seal import PractitionerSeal, draw_organisation_seal, draw_practitioner_seal

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
VERIFY_URL = "https://xfjg.example.gov.cn/verify"
KID = "test-2025"
ORGANISATION = "上海申安消防技术服务有限公司"
CREDIT_CODE = "91310104MA1FL0XX7" + credit_code_check_char("91310104MA1FL0XX7")  # GB 32100 check character

# GB 25201 maintenance content per facility system (systems as the design's catalogue names them).
CATALOGUE: tuple[tuple[str, str], ...] = (
    ("消防供配电设施", "消防配电柜（箱）外观、标识及主备电源切换试验"),
    ("消防供配电设施", "自备发电机组启动运行及燃料储量检查"),
    ("消防供配电设施", "消防用电设备末端配电装置自动切换功能"),
    ("火灾自动报警系统", "火灾报警控制器自检、消音、复位及主备电切换功能"),
    ("火灾自动报警系统", "点型感烟火灾探测器报警功能（按回路分批）"),
    ("火灾自动报警系统", "点型感温火灾探测器报警功能（按回路分批）"),
    ("火灾自动报警系统", "手动火灾报警按钮报警功能"),
    ("火灾自动报警系统", "消防联动控制器联动逻辑及输入输出模块"),
    ("消防供水设施", "消防水池、消防水箱水位及补水设施"),
    ("消防供水设施", "消防水泵手动启动运行（每月）"),
    ("消防供水设施", "消防水泵自动巡检及自动启动（每周）"),
    ("消防供水设施", "消防水泵流量、压力试验（每季度）"),
    ("消防供水设施", "稳压泵启停压力及启停次数"),
    ("消火栓（消防炮）灭火系统", "室内消火栓箱组件完整性及栓口压力"),
    ("消火栓（消防炮）灭火系统", "室外消火栓外观及出水试验"),
    ("消火栓（消防炮）灭火系统", "消防水泵接合器标识及阀门状态"),
    ("自动喷水灭火系统", "报警阀组、压力表及信号阀状态（每月）"),
    ("自动喷水灭火系统", "末端试水装置放水试验及水流指示器动作（每季度）"),
    ("自动喷水灭火系统", "喷头外观、有无遮挡及备用喷头数量"),
    ("自动喷水灭火系统", "湿式报警阀水力警铃及压力开关联动启泵"),
    ("气体灭火系统", "灭火剂储存容器压力及称重"),
    ("气体灭火系统", "驱动气瓶、选择阀及启动装置"),
    ("气体灭火系统", "防护区声光报警及紧急启停功能"),
    ("泡沫灭火系统", "泡沫液储罐、比例混合装置外观"),
    ("泡沫灭火系统", "泡沫产生装置及管道阀门状态"),
    ("防烟排烟系统", "排烟风机、加压送风机手动及联动启动（每季度）"),
    ("防烟排烟系统", "排烟防火阀、排烟阀（口）动作及复位（每半年）"),
    ("防烟排烟系统", "电动挡烟垂壁联动下降功能"),
    ("防烟排烟系统", "系统联动试验及风量、风压测试（每年）"),
    ("应急照明和疏散指示系统", "应急照明灯具外观及应急点亮（每月）"),
    ("应急照明和疏散指示系统", "疏散指示标志方向正确性及照度"),
    ("应急照明和疏散指示系统", "蓄电池持续工作时间试验（每年）"),
    ("应急广播系统", "应急广播强制切换及音质清晰度"),
    ("应急广播系统", "扬声器播放功能（按防火分区抽查）"),
    ("消防电话系统", "消防电话总机与分机通话试验"),
    ("消防电话系统", "消防电话插孔通话功能"),
    ("防火分隔设施", "常闭式防火门闭门器、顺序器及自行关闭功能"),
    ("防火分隔设施", "常开式防火门联动关闭及信号反馈"),
    ("防火分隔设施", "防火卷帘手动、联动控制两步降及信号反馈"),
    ("消防电梯", "消防电梯迫降首层及消防员专用操作按钮"),
    ("消防电梯", "消防电梯轿厢内专用电话及井道排水设施"),
    ("灭火器", "灭火器配置位置、数量及压力指示（每月）"),
    ("灭火器", "灭火器维修期限及报废年限核查"),
    ("消防控制室", "值班记录、操作人员持证及双人值守情况"),
    ("消防控制室", "图形显示装置及火灾报警信息传输功能"),
)
NOTES = ("", "", "", "抽查3层、5层回路", "", "详见附表", "", "与上月记录一致")


def load_site(wikidata_item: str) -> dict[str, str]:
    with (DATA / "sites" / "wikidata_shanghai_places.csv").open(encoding="utf-8") as handle:
        return next(row for row in csv.DictReader(handle) if row["wikidata_item"] == wikidata_item)


def make_signature_png(name: str, ink: tuple[int, int, int] = (24, 32, 88)) -> bytes:
    """A handwritten-looking signature: the name in ink on a transparent background, with a flourish."""
    font = ImageFont.truetype(DEFAULT_CJK_FONT_PATH, 96, index=0)
    image = Image.new("RGBA", (520, 170), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((24, 16), name, font=font, fill=(*ink, 255))
    draw.line([(20, 140), (180, 128), (340, 146), (500, 120)], fill=(*ink, 230), width=6, joint="curve")
    buffer = io.BytesIO()
    image.rotate(4, resample=Image.Resampling.BICUBIC).save(buffer, format="PNG")
    return buffer.getvalue()


def make_conclusion_view(
    *, item_count: int = len(CATALOGUE), qr_payload: str = "", wikidata_item: str = "Q10867747"
) -> ConclusionView:
    """A realistic 维护保养记录 at a real Shanghai site; the whole catalogue makes three pages."""
    site = load_site(wikidata_item)
    items = tuple(
        ItemView(
            facility_system=system,
            item=item,
            result="不合格" if index in (9, 26) else ("未检" if index == 23 else "合格"),
            note=NOTES[index % len(NOTES)],
        )
        for index, (system, item) in enumerate(CATALOGUE[:item_count])
    )
    defects = (
        DefectView(
            "消防供水设施",
            "1号消防水泵手动启动后出水压力不足0.6MPa，叶轮磨损",
            "严重",
            "2025年3月20日更换叶轮，复测压力0.72MPa",
        ),
        DefectView("防烟排烟系统", "地下一层排烟防火阀280℃熔断器缺失", "一般", ""),
        DefectView("灭火器", "二层东侧灭火器箱被杂物遮挡", "建议", "已督促使用单位清理"),
    )
    signed = datetime(2025, 3, 28, 15, 42, tzinfo=SHANGHAI)
    signed_utc = datetime(2025, 3, 28, 7, 42, tzinfo=UTC)  # stored in UTC, printed in Shanghai time
    return ConclusionView(
        doc_type="维护保养记录",
        report_number="WB-310104-2025-000123",
        organisation_name=ORGANISATION,
        organisation_credit_code=CREDIT_CODE,
        client_name=f"{site['label']}管理处",
        project_name=f"{site['label']}建筑消防设施维护保养（2025年度）",
        building_name=site["label"],
        building_address=(
            f"上海市{site['district_by_polygon_derived']}（WGS-84 {site['lng_wgs84']}, {site['lat_wgs84']}）"
        ),
        building_use="公共展览建筑",
        building_area_m2=12850.5,
        service_period_start=date(2025, 3, 1),
        service_period_end=date(2025, 3, 31),
        items=items,
        defects=defects,
        conclusion="本月维护保养工作已按维保计划完成。除所列故障外，各系统运行正常；尚未整改的问题已书面告知委托单位，请于整改期限内完成修复。",
        project_lead=SignerView("张伟明", "一级", "CF31201900123", make_signature_png("张伟明"), signed),
        technical_lead=SignerView("欧阳丽华", "一级", "CF31201700456", make_signature_png("欧阳丽华"), signed_utc),
        issued_on=date(2025, 3, 28),
        qr_payload=qr_payload or VERIFY_URL,
        verification_url=VERIFY_URL,
    )


def make_signed_view(signer: TokenSigner, **kwargs: object) -> ConclusionView:
    """Sign the content digest and put token + URL into the QR, as the documents service does."""
    draft = make_conclusion_view(**kwargs)  # type: ignore[arg-type]
    claims = document_claims(
        draft.report_number,
        "WB",
        conclusion_content_sha256(draft),
        datetime(2025, 3, 28, 16, 0, tzinfo=SHANGHAI),
    )
    return replace(draft, qr_payload=build_qr_payload(VERIFY_URL, signer.sign(claims)))


def make_notice_view() -> MaintenanceNoticeView:
    site = load_site("Q10867747")
    return MaintenanceNoticeView(
        organisation_name=ORGANISATION,
        organisation_credit_code=CREDIT_CODE,
        building_name=site["label"],
        building_address=f"上海市{site['district_by_polygon_derived']}",
        project_lead_name="张伟明",
        project_lead_certificate_number="CF31201900123",
        last_maintained_on=date(2025, 3, 28),
        next_due_on=date(2025, 4, 28),
        record_number="WB-310104-2025-000123",
        qr_payload="https://xfjg.example.gov.cn/public/records/WB-310104-2025-000123",
        record_url="https://xfjg.example.gov.cn/public/records/WB-310104-2025-000123",
    )


def scan_qr_codes(pdf: bytes, workdir: Path, page: int = 1, dpi: int = 150) -> list[str]:
    pdf_path = workdir / "doc.pdf"
    pdf_path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf_path),
            str(workdir / "page"),
        ],
        check=True,
    )
    (image,) = sorted(workdir.glob("page-*.png"))
    result = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=False)
    return [line for line in result.stdout.splitlines() if line]


def pdffonts(pdf: bytes, workdir: Path) -> list[list[str]]:
    path = workdir / "fonts.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in output.splitlines()[2:] if line.strip()]


@pytest.fixture(scope="module")
def keys() -> tuple[TokenSigner, TokenVerifier]:
    private_pem, public_pem = generate_keypair()
    return TokenSigner(private_pem, KID), TokenVerifier({KID: public_pem})


@pytest.fixture(scope="module")
def signed_view(keys) -> ConclusionView:
    return make_signed_view(keys[0])


@pytest.fixture(scope="module")
def conclusion_pdf(signed_view) -> bytes:
    return render_conclusion_pdf(signed_view)


def test_conclusion_pdf_has_three_pages_with_numbers_and_running_header(conclusion_pdf, signed_view) -> None:
    pages = PdfReader(io.BytesIO(conclusion_pdf)).pages
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"第 {number} 页 共 3 页" in text
        assert f"报告编号：{signed_view.report_number}" in text
    # The items table continues on page 2 under a repeated header row.
    assert "消防设施系统" in pages[1].extract_text() and "项目内容" in pages[1].extract_text()


def test_conclusion_pdf_text_is_extractable(conclusion_pdf, signed_view) -> None:
    reader = PdfReader(io.BytesIO(conclusion_pdf))
    first = reader.pages[0].extract_text()
    assert "建筑消防设施维护保养记录" in first
    assert signed_view.report_number in first
    assert signed_view.building_name in first
    assert signed_view.organisation_credit_code in first
    everything = "".join(page.extract_text() for page in reader.pages)
    assert "本次共45项，合格42项，不合格2项，未检1项" in everything
    assert "尚未整改" in everything  # the open 排烟防火阀 defect
    assert "280°C熔断器" in everything  # the font's ℃ glyph is empty, so it is drawn as °C
    assert "CF31201700456" in everything and "欧阳丽华" in everything
    assert everything.count("签署时间：2025年3月28日 15:42") == 2
    assert (
        reader.metadata is not None and reader.metadata.title == f"建筑消防设施维护保养记录 {signed_view.report_number}"
    )


def test_conclusion_pdf_embeds_a_subset_cjk_font(conclusion_pdf, tmp_path) -> None:
    fonts = pdffonts(conclusion_pdf, tmp_path)
    assert fonts, "no fonts listed"
    for row in fonts:
        name, emb, sub = row[0], row[-5], row[-4]
        assert re.fullmatch(r"[A-Z]{6}\+.+", name), row
        assert (emb, sub) == ("yes", "yes"), row
    assert any("WQY" in row[0] or "MicroHei" in row[0] for row in fonts)


def test_conclusion_qr_decodes_and_verifies_with_only_the_public_key(
    conclusion_pdf, signed_view, keys, tmp_path
) -> None:
    (payload,) = scan_qr_codes(conclusion_pdf, tmp_path, page=1, dpi=150)
    assert payload == signed_view.qr_payload
    assert payload.startswith(VERIFY_URL + "?t=")
    claims = keys[1].verify(token_from_payload(payload))
    assert claims["no"] == signed_view.report_number
    assert claims["sha"] == digest_claim(conclusion_content_sha256(signed_view))


def test_verification_url_is_printed_under_the_qr(conclusion_pdf) -> None:
    assert VERIFY_URL in PdfReader(io.BytesIO(conclusion_pdf)).pages[0].extract_text()


def test_signature_images_keep_their_transparency(conclusion_pdf) -> None:
    last = PdfReader(io.BytesIO(conclusion_pdf)).pages[-1]
    xobjects = last["/Resources"]["/XObject"]
    images = [xobjects[name].get_object() for name in xobjects]
    images = [image for image in images if image["/Subtype"] == "/Image"]
    assert len(images) == 2  # one per signer
    assert all("/SMask" in image for image in images)


def test_rendering_is_deterministic(signed_view, conclusion_pdf) -> None:
    assert render_conclusion_pdf(signed_view) == conclusion_pdf


def test_content_digest_changes_with_content_not_with_qr(signed_view) -> None:
    digest = conclusion_content_sha256(signed_view)
    assert digest == conclusion_content_sha256(replace(signed_view, qr_payload="x"))
    edited = replace(signed_view, items=(replace(signed_view.items[0], result="不合格"), *signed_view.items[1:]))
    assert conclusion_content_sha256(edited) != digest


def test_user_text_with_markup_characters_is_printed_literally(tmp_path) -> None:
    view = replace(make_conclusion_view(item_count=5), client_name="A&B <物业> 公司")
    assert "A&B <物业> 公司" in PdfReader(io.BytesIO(render_conclusion_pdf(view))).pages[0].extract_text()


def test_views_refuse_unknown_results_severities_and_types() -> None:
    with pytest.raises(ValueError):
        ItemView("灭火器", "压力指示", "良好")
    with pytest.raises(ValueError):
        DefectView("灭火器", "压力不足", "轻微")
    with pytest.raises(ValueError):
        replace(make_conclusion_view(item_count=5), doc_type="验收报告")


def test_maintenance_notice_is_a5_and_its_qr_links_to_the_record(tmp_path) -> None:
    view = make_notice_view()
    pdf = render_maintenance_notice_pdf(view)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == (148, 210)
    text = reader.pages[0].extract_text()
    assert "建筑消防设施维护保养标识" in text and "张伟明" in text and "2025年4月28日" in text
    assert scan_qr_codes(pdf, tmp_path) == [view.qr_payload]
    assert all(row[-5:-3] == ["yes", "yes"] for row in pdffonts(pdf, tmp_path))


def _red_bbox_mm(pdf_path: Path, workdir: Path, dpi: int = 300) -> tuple[float, float]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf_path), str(workdir / "seal")], check=True)
    (png,) = workdir.glob("seal-*.png")
    red, green, blue = Image.open(png).convert("RGB").split()
    mask = ImageChops.multiply(
        red.point(lambda v: 255 if v > 150 else 0),
        ImageChops.multiply(green.point(lambda v: 255 if v < 140 else 0), blue.point(lambda v: 255 if v < 140 else 0)),
    )
    left, top, right, bottom = mask.getbbox() or (0, 0, 0, 0)
    return (right - left) * 25.4 / dpi, (bottom - top) * 25.4 / dpi


def test_practitioner_seal_is_a_50_by_36_mm_ellipse_with_ring_text(tmp_path) -> None:
    path = tmp_path / "seal.pdf"
    canvas = Canvas(str(path), pagesize=(80 * mm, 60 * mm))
    seal = PractitionerSeal("张伟明", "CF31201900123", "一级", ORGANISATION)
    draw_practitioner_seal(canvas, seal, 40 * mm, 30 * mm)
    canvas.save()
    width, height = _red_bbox_mm(path, tmp_path)
    assert width == pytest.approx(50, abs=0.4) and height == pytest.approx(36, abs=0.4)
    text = PdfReader(path).pages[0].extract_text()
    for expected in ("上海市注册消防工程师执业印章", ORGANISATION, "张伟明", "一级注册消防工程师"):
        assert set(expected) <= set(text), expected
    assert "CF31201900123" in text


def test_organisation_seal_is_a_42_mm_circle(tmp_path) -> None:
    path = tmp_path / "org.pdf"
    canvas = Canvas(str(path), pagesize=(60 * mm, 60 * mm))
    draw_organisation_seal(canvas, ORGANISATION, 30 * mm, 30 * mm)
    canvas.save()
    width, height = _red_bbox_mm(path, tmp_path)
    assert width == pytest.approx(42, abs=0.4) and height == pytest.approx(42, abs=0.4)


def test_missing_font_file_raises_a_clear_error(tmp_path) -> None:
    with pytest.raises(PdfFontMissing) as caught:
        load_cjk_font(tmp_path / "absent.ttc")
    assert caught.value.code == "pdf_font_missing"
    assert "fonts-wqy-microhei" in str(caught.value)

"""Seed for the export/plan/defects browser test (admin/e2e/export.test.mjs): a maintenance project in 黄浦区
(上海隧道科技馆) with last month's plan, the engineers' visit and work records, one defect repaired and verified by
the organisation and one still open — so the defects page has both states to show.

Run against the browser test's instance: INSTANCE_PATH=… .venv/bin/python -m tests.exports.seed_e2e
Prints one JSON line {"project_id", "project_no", "project_name", "org_name", "defects": [...]}.
"""

from __future__ import annotations

import json
from typing import Any

HUANGPU_SITE = "Q10868102"  # 上海隧道科技馆, 黄浦区


def seed() -> dict[str, Any]:
    from tests.documents.builders import make_defect, make_world

    world = make_world(wikidata_item=HUANGPU_SITE, org_name="上海申安消防技术服务有限公司")
    assert world.project.district_code == "310101", world.project.district_code
    others = [r for r in world.records if world.defect is None or r.id != world.defect.work_record_id]
    open_defect = make_defect(others[0], severity="general", repaired=False)
    defects = [d for d in (world.defect, open_defect) if d is not None]
    return {
        "project_id": world.project.id,
        "project_no": world.project.project_no,
        "project_name": world.project.name,
        "org_name": world.org.name,
        "month": world.month_key,
        "defects": [{"id": d.id, "status": d.status, "description": d.description} for d in defects],
    }


def main() -> None:
    from backend import create_app

    app = create_app()
    with app.app_context():
        print(json.dumps(seed(), ensure_ascii=False))


if __name__ == "__main__":
    main()

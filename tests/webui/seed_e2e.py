"""Seed for the admin SPA's browser tests (admin/e2e): organisations of 黄浦 submitted for review, registered by
their real (fictional) legal representatives from the registry simulator's dataset through the realname
services, exactly as the mini-program would. The demo data has only verified organisations, and the review
queue needs submitted ones.

Run against the browser test's instance: INSTANCE_PATH=… .venv/bin/python -m tests.webui.seed_e2e
Prints one JSON line per organisation: {"id", "name", "credit_code"}.
"""

from __future__ import annotations

import json

# 上海远安消防设备维修检测有限公司 and 上海鼎盛消防技术服务有限公司, both registered in 黄浦区.
SUBMITTED = ("913100006620437987", "91310101757737629G")


def main() -> None:
    from backend import create_app

    app = create_app()
    with app.app_context():
        from backend.core.db import db
        from backend.modules.realname import services
        from backend.modules.realname.models import Organization
        from tests.builders.accounts import actor_of
        from tests.realname.builders import registered_org

        for credit_code in SUBMITTED:
            setup = registered_org(credit_code)
            services.submit_organization(actor_of(setup.legal_rep), setup.org_id)
            org = db.session.get(Organization, setup.org_id)
            assert org is not None
            print(json.dumps({"id": org.id, "name": org.name, "credit_code": org.credit_code}, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Key rotation: re-encrypt every encrypted column with the active key, in batches.

Rotation steps: add the new key to DATA_ENCRYPTION_KEYS and make it DATA_ENCRYPTION_ACTIVE_KEY (old ids keep
decrypting), run `flask keys rotate`, then remove the old key once the command reports nothing left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import attributes

from .audit import record
from .crypto import EncryptedBytes, EncryptedText, keyring
from .db import Base, db


@dataclass
class RotationResult:
    table: str
    rows_reencrypted: int


def _encrypted_columns(mapper: Any) -> list[str]:
    return [
        attr.key for attr in mapper.column_attrs if isinstance(attr.columns[0].type, EncryptedText | EncryptedBytes)
    ]


def _stale(raw: str | None) -> bool:
    return raw is not None and keyring().key_id_of(raw) != keyring().active


def rotate(batch_size: int = 500) -> Iterator[RotationResult]:
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
        columns = _encrypted_columns(mapper)
        if not columns:
            continue
        table = mapper.local_table
        assert isinstance(table, sa.Table)  # every model maps one plain table (no joins nor selects)
        pk = mapper.primary_key[0]
        done = 0
        last: Any = None
        while True:
            # read the raw ciphertext to find rows under an old key without decrypting everything
            raw_cols = [sa.cast(table.c[c], sa.Text).label(c) for c in columns]
            stmt = sa.select(pk, *raw_cols).order_by(pk).limit(batch_size)
            if last is not None:
                stmt = stmt.where(pk > last)
            rows = db.session.execute(stmt).all()
            if not rows:
                break
            last = rows[-1][0]
            stale_ids = [r[0] for r in rows if any(_stale(getattr(r, c)) for c in columns)]
            if stale_ids:
                db.session.info["audit_suspended"] = True
                try:
                    for obj in db.session.scalars(sa.select(mapper.class_).where(pk.in_(stale_ids))):
                        for c in columns:
                            attributes.flag_modified(obj, c)
                    db.session.flush()
                finally:
                    db.session.info.pop("audit_suspended", None)
                done += len(stale_ids)
                db.session.commit()
        if done:
            record("keys.rotate", table.name, None, {"rows": done, "active_key": keyring().active})
            db.session.commit()
        yield RotationResult(table.name, done)

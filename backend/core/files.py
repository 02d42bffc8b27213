"""Uploaded files, stored once by content hash (a photo sent twice is one file; replay detection reads the
hash), under UPLOAD_DIR/ab/cd/<sha256>. Type and size are checked before anything is written."""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, BigIntPK, db
from .errors import ValidationFailed
from .images import ImageRejected, ValidatedImage, validate_image
from .timeutil import utcnow

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    phash: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    uploaded_by: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_trial: Mapped[bool] = mapped_column(default=False)

    def read(self) -> bytes:
        return path_for(self.sha256).read_bytes()


def path_for(sha256: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / sha256[:2] / sha256[2:4] / sha256


def _write_atomically(sha256: str, data: bytes) -> None:
    target = path_for(sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


def _existing(sha256: str) -> StoredFile | None:
    return db.session.scalar(sa.select(StoredFile).where(StoredFile.sha256 == sha256))


def store_image(data: bytes, purpose: str, uploaded_by: int | None = None) -> tuple[StoredFile, ValidatedImage]:
    """Validate (type by content, size, pixel bomb) and store an image. Raises ValidationFailed in Chinese."""
    try:
        image = validate_image(data)
    except ImageRejected as exc:
        raise ValidationFailed(exc.code, exc.message) from exc
    found = _existing(image.sha256)
    if found is not None:
        return found, image
    _write_atomically(image.sha256, data)
    row = StoredFile(
        sha256=image.sha256,
        content_type=f"image/{image.format.lower()}",
        size=len(data),
        width=image.width,
        height=image.height,
        phash=image.phash,
        purpose=purpose,
        uploaded_by=uploaded_by,
    )
    db.session.add(row)
    db.session.flush()
    return row, image


def store_pdf(data: bytes, purpose: str, uploaded_by: int | None = None) -> StoredFile:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed("payload_too_large")
    if not data.startswith(PDF_MAGIC):
        raise ValidationFailed("file_type_not_allowed", "只接受 PDF 文件")
    sha = hashlib.sha256(data).hexdigest()
    found = _existing(sha)
    if found is not None:
        return found
    _write_atomically(sha, data)
    row = StoredFile(
        sha256=sha, content_type="application/pdf", size=len(data), purpose=purpose, uploaded_by=uploaded_by
    )
    db.session.add(row)
    db.session.flush()
    return row

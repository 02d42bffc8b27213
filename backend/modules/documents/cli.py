"""`flask documents ...`: verify a report token offline with the public key alone, and export that key."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask.cli import with_appcontext

from backend.core.signing import TokenInvalid, TokenVerifier, token_from_payload
from backend.core.timeutil import SHANGHAI

from .models import DOC_TYPES, NOTICE_TOKEN_TYPE, TOKEN_TYPES

TYPE_NAMES = {TOKEN_TYPES[doc_type]: label for doc_type, label in DOC_TYPES.items()} | {NOTICE_TOKEN_TYPE: "维保标识"}


def _jwk_to_pem(jwk: dict[str, str]) -> bytes:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise click.ClickException("公钥文件中的密钥不是 Ed25519（OKP）密钥")
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _token_kid(token: str) -> str:
    header = token.split(".", 1)[0]
    try:
        return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenInvalid(TokenInvalid.MALFORMED, "header") from exc


def load_public_keys(path: Path, token: str) -> dict[str, bytes]:
    """A PEM public key (trusted for whatever kid the token names: the user chose the key), or a JWK / JWK set
    such as /.well-known/report-signing-keys.json (matched by kid)."""
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("-----BEGIN"):
        return {_token_kid(token): text.encode()}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException("公钥文件既不是 PEM 也不是 JWK/JWKS JSON") from exc
    jwks = document.get("keys", [document]) if isinstance(document, dict) else []
    return {str(jwk.get("kid", "")): _jwk_to_pem(jwk) for jwk in jwks}


def verify_offline(token_or_payload: str, key_file: Path) -> dict[str, Any]:
    token = token_from_payload(token_or_payload)
    return TokenVerifier(load_public_keys(key_file, token)).verify(token)


@click.group("documents", help="书面结论文件：离线核验二维码令牌、导出核验公钥。")
def documents_group() -> None:
    pass


@documents_group.command("verify-token")
@click.argument("token")
@click.option(
    "--public-key",
    "public_key",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="公钥文件：PEM，或 /.well-known/report-signing-keys.json 的 JWK 集合",
)
def verify_token_command(token: str, public_key: Path) -> None:
    """Verify a QR token (or the whole scanned URL) with the public key alone; no database, no network."""
    try:
        claims = verify_offline(token, public_key)
    except TokenInvalid as exc:
        raise click.ClickException(f"核验未通过：{exc.message}") from exc
    issued = datetime.fromtimestamp(int(claims.get("iat", 0)), UTC).astimezone(SHANGHAI)
    click.echo("签名有效：该令牌由本系统签发，内容未被修改。")
    click.echo(f"文件编号：{claims.get('no')}")
    click.echo(f"文件类型：{TYPE_NAMES.get(str(claims.get('typ')), claims.get('typ'))}")
    click.echo(f"签发时间：{issued:%Y-%m-%d %H:%M:%S%z}")
    click.echo(f"内容摘要：{claims.get('sha')}")


@documents_group.command("public-key")
@click.option("--jwks", is_flag=True, help="输出 JWK 集合（与 /.well-known/report-signing-keys.json 相同）")
@with_appcontext
def public_key_command(jwks: bool) -> None:
    """Print the current verification key (PEM), to hand to anyone who verifies offline."""
    from .keys import signing_keys

    keys = signing_keys()
    if jwks:
        click.echo(json.dumps(keys.jwks(), ensure_ascii=False, indent=2))
    else:
        click.echo(keys.public_keys[keys.key_id].decode().strip())


commands = [documents_group]

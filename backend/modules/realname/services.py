"""The realname services in one place (routes and other modules call these). Each lives in a small file by
subject: organizations, practitioners, faces, employment, directory; the rules of practice conditions are in
conditions.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from .directory import public_organization, public_organizations, public_practitioners
from .employment import accept, change_position, decline, end, invite, list_staff, my_employments
from .faces import (
    face_status,
    process_face_enrolment,
    purge_stale_enrolment_photos,
    request_face_enrolment,
    try_verification,
)
from .organizations import (
    add_org_admin,
    deregister_organization,
    document_file,
    get_organization,
    list_org_admins,
    list_organizations,
    org_conditions,
    recheck_all_conditions,
    register_organization,
    reinstate_organization,
    remove_org_admin,
    replace_equipment,
    review_organization,
    review_queue,
    submit_organization,
    suspend_organization,
    update_organization,
    upload_document,
)
from .practitioners import (
    approve_alternative_identity,
    consent_status,
    declare_certificate,
    delete_certificate,
    expire_certificates,
    give_biometric_consent,
    list_practitioners,
    my_profile,
    practitioner_profile,
    recheck_certificate,
    register_practitioner,
    request_alternative_identity,
    revoke_alternative_identity,
    signature_file,
    upload_certificate_photo,
    upload_signature,
    withdraw_biometric_consent,
)


def daily_recheck(on: date | None = None) -> dict[str, Any]:
    """The daily task: expire lapsed certificates, drop enrolment photos whose job never finished, then
    re-evaluate the practice conditions of every organisation in practice."""
    expired = expire_certificates(on)
    purged = purge_stale_enrolment_photos()
    organisations = recheck_all_conditions(on)
    return {"certificates_expired": expired, "photos_purged": purged, "organizations_checked": organisations}


__all__ = [
    "accept",
    "add_org_admin",
    "approve_alternative_identity",
    "change_position",
    "consent_status",
    "daily_recheck",
    "declare_certificate",
    "decline",
    "delete_certificate",
    "deregister_organization",
    "document_file",
    "end",
    "face_status",
    "get_organization",
    "give_biometric_consent",
    "invite",
    "list_org_admins",
    "list_organizations",
    "list_practitioners",
    "list_staff",
    "my_employments",
    "my_profile",
    "org_conditions",
    "practitioner_profile",
    "process_face_enrolment",
    "public_organization",
    "public_organizations",
    "public_practitioners",
    "recheck_certificate",
    "register_organization",
    "register_practitioner",
    "reinstate_organization",
    "remove_org_admin",
    "replace_equipment",
    "request_alternative_identity",
    "request_face_enrolment",
    "review_organization",
    "review_queue",
    "revoke_alternative_identity",
    "signature_file",
    "submit_organization",
    "suspend_organization",
    "try_verification",
    "update_organization",
    "upload_certificate_photo",
    "upload_document",
    "upload_signature",
    "withdraw_biometric_consent",
]

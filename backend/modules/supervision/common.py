"""Small pieces shared by the supervision services: loading subjects, where they are, location checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.core import geo
from backend.core.access import Actor, require_area
from backend.core.db import db
from backend.core.errors import NotFound
from backend.modules.projects.queries import Project
from backend.modules.realname.queries import Organization

# A fix reported this coarse (metres) cannot place anyone on a site; the answer is kept and flagged.
POOR_ACCURACY_M = 100.0


def get_or_not_found(model: type[Any], ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


def require_covers(actor: Actor, subject: Any) -> None:
    """Jurisdiction of anything carrying district_code / special_zone (projects, organisations, records)."""
    require_area(actor, subject.district_code, subject.special_zone)


def project_fence(project: Project) -> geo.Geofence | None:
    if project.geofence:
        return project.geofence
    if project.lng is not None and project.lat is not None:
        return {"type": "Circle", "center": [project.lng, project.lat], "radius_m": geo.DEFAULT_GEOFENCE_RADIUS_M}
    return None


def org_fence(org: Organization) -> geo.Geofence | None:
    """An organisation has an address point, not a drawn fence: the default circle around it."""
    if org.lng is not None and org.lat is not None:
        return {"type": "Circle", "center": [org.lng, org.lat], "radius_m": geo.DEFAULT_GEOFENCE_RADIUS_M}
    return None


@dataclass
class LocationCheck:
    lng: float
    lat: float
    crs: str
    accuracy_m: float | None
    distance_m: float | None  # None when the subject has no location to compare with
    flags: list[str] = field(default_factory=list)

    @property
    def outside(self) -> bool:
        return self.distance_m is not None and self.distance_m > 0


def check_location(
    fence: geo.Geofence | None, lng: float, lat: float, crs: str, accuracy_m: float | None
) -> LocationCheck:
    """Convert the submitted point to WGS-84 (WeChat sends GCJ-02) and measure it against the fence."""
    wgs_lng, wgs_lat = geo.to_wgs84(lng, lat, crs)
    distance = geo.distance_to_geofence_m(fence, wgs_lng, wgs_lat) if fence is not None else None
    check = LocationCheck(wgs_lng, wgs_lat, str(crs), accuracy_m, distance)
    if fence is None:
        check.flags.append("subject_location_unknown")
    elif check.outside:
        check.flags.append("outside_geofence")
    if accuracy_m is not None and accuracy_m > POOR_ACCURACY_M:
        check.flags.append("poor_accuracy")
    return check

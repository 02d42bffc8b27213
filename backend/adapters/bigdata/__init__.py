"""Corps big-data platform: business registration of enterprises and cross-checks of declared data."""

from .base import (
    BUSINESS_STATUS_ACTIVE,
    FIELD_LABELS,
    MESSAGES,
    BigDataError,
    BigDataPlatform,
    BusinessRecord,
    CrossCheckResult,
    FieldDifference,
    cross_check,
)
from .client import BigDataClient
from .simulator import BigDataSimulator

__all__ = [
    "BUSINESS_STATUS_ACTIVE",
    "FIELD_LABELS",
    "MESSAGES",
    "BigDataClient",
    "BigDataError",
    "BigDataPlatform",
    "BigDataSimulator",
    "BusinessRecord",
    "CrossCheckResult",
    "FieldDifference",
    "cross_check",
]

"""SMS gateway: login codes, feedback links and spot-check notices."""

from .base import MESSAGES, SIGN_NAME, TEMPLATES, SmsError, SmsGateway, SmsResult, render_sms, template_fields
from .client import SmsClient
from .simulator import SmsSimulator

__all__ = [
    "MESSAGES",
    "SIGN_NAME",
    "TEMPLATES",
    "SmsClient",
    "SmsError",
    "SmsGateway",
    "SmsResult",
    "SmsSimulator",
    "render_sms",
    "template_fields",
]

"""flask-phonecapture: collect visitors' phone numbers with consent and SMS confirmation."""
from .extension import PhoneCapture
from .messaging.alerts import sms_alert
from .signals import contact_erased, conversion_recorded, phone_verified, submission_created

__all__ = ["PhoneCapture", "submission_created", "phone_verified", "contact_erased", "conversion_recorded",
           "sms_alert"]
__version__ = "0.1.0"

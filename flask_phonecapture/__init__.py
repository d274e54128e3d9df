"""flask-phonecapture: collect visitors' phone numbers with consent and SMS confirmation."""
from .extension import PhoneCapture
from .signals import phone_verified, submission_created

__all__ = ["PhoneCapture", "submission_created", "phone_verified"]
__version__ = "0.1.0"

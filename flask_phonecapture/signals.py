"""Blinker signals the host app can connect to.

``submission_created(app, submission=...)`` fires after the submission is committed;
``phone_verified(app, submission=..., contact=...)`` after the code was confirmed.
``contact_erased(app, contact=...)`` after a contact was erased (``/privacy/erase``): erase
your own copies (CRM, orders) by ``contact.id``.
``conversion_recorded(app, conversion=...)`` after a new conversion was committed (not when a
repeat of the same ``(kind, external_id)`` found the first one).
Receivers get ORM objects; the number itself is encrypted on them.
"""
from blinker import Namespace

_signals = Namespace()

submission_created = _signals.signal("phonecapture.submission-created")
phone_verified = _signals.signal("phonecapture.phone-verified")
contact_erased = _signals.signal("phonecapture.contact-erased")
conversion_recorded = _signals.signal("phonecapture.conversion-recorded")

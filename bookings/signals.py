"""What the bookings services announce, for the layers above to act on without being imported.

Each signal is sent inside the transaction of the change it announces, and Django signals run
synchronously: whatever a receiver writes commits or rolls back with the change itself (the
notifications outbox relies on it). A receiver must not swallow errors it cannot recover from.

Arguments, all keyword:
- appointment_booked: appointment, now, mobility_address (where the pick-up driver goes, ""
  when the mobility chosen needs none: mobility_hooks.ADDRESS_KINDS)
- appointment_rescheduled: appointment, previous_drop_off (the time it had), now
- appointment_status_changed: appointment, previous_status, now (a cancellation is one)
- access_code_issued: access_code, code (the plain code, never stored), channel ("email" or
  "sms": how the customer asked to receive it), to (that address or number, as on the file),
  minutes (how long the code is valid), now
"""

from django.dispatch import Signal

appointment_booked = Signal()
appointment_rescheduled = Signal()
appointment_status_changed = Signal()
access_code_issued = Signal()

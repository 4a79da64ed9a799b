"""What the customer file announces, for the layers above to act on without being imported.

Sent inside the transaction of the change it announces (Django signals run synchronously), so
whatever a receiver writes commits or rolls back with the change.

Arguments, all keyword:
- campaign_vins_added: dealership_id, campaign (VINs added to its list in bulk, which sends no
  post_save for each row)
"""

from django.dispatch import Signal

campaign_vins_added = Signal()

"""Every write of the notifications layer, one module per job: writing the outbox, sending it,
and what comes back (replies and delivery statuses)."""

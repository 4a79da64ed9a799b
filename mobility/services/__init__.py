"""Every write of the mobility app: reservations here, the hand-over in handover."""

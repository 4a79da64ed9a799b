"""Every write of the follow-ups: contacts, calls, attribution, rule settings, satisfaction.

Bad input raises ValidationError keyed by field, before anything is written; each service runs
in one transaction."""

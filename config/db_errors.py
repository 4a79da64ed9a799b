"""Database errors told apart by their class and the constraint they name, never by their text."""

from django.db import DatabaseError
from psycopg import errors as pg_errors


def is_deadlock(error: DatabaseError) -> bool:
    """PostgreSQL broke a deadlock by failing this transaction."""
    return isinstance(error.__cause__, pg_errors.DeadlockDetected)


def violated_constraint(error: DatabaseError) -> str | None:
    """The name of the constraint a PostgreSQL write broke, or None (other backends, other errors)."""
    cause = error.__cause__
    if isinstance(cause, pg_errors.IntegrityError):
        return cause.diag.constraint_name
    return None

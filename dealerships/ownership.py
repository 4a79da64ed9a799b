"""The services' re-check that the rows they were handed belong to the dealership they act for."""

from typing import Protocol

from config.errors import ForeignRow
from dealerships.models import Dealership


class Owned(Protocol):
    dealership_id: int


def ensure_owned_by(dealership: Dealership, *rows: Owned | None) -> None:
    """Raise ForeignRow unless every row given (None and unsaved rows aside) is the dealership's."""
    for row in rows:
        if row is not None and getattr(row, "pk", None) is not None and row.dealership_id != dealership.id:
            raise ForeignRow

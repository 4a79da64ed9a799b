"""Sections that the apps above a page's own app add to it.

A page low in the stack (the customer file, an appointment) shows what upper apps hold
(appointments, messages, reservations) without importing them: each upper app registers a
section when it is ready (in its AppConfig), and the page renders the sections in the order
registered. A section is a template and a function giving its context, or None when the staff
member may not see it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RenderedSection:
    template: str
    context: dict[str, Any]


class PageSections:
    """The sections registered for one kind of page."""

    def __init__(self) -> None:
        self._sections: list[tuple[str, Callable[..., dict[str, Any] | None]]] = []

    def register(self, template: str, context: Callable[..., dict[str, Any] | None]) -> None:
        if (template, context) not in self._sections:
            self._sections.append((template, context))

    def render(self, *args: Any) -> list[RenderedSection]:
        """Each section's template and context for the page's arguments (the access, the subject...)."""
        rendered = []
        for template, context in self._sections:
            section = context(*args)
            if section is not None:
                rendered.append(RenderedSection(template, section))
        return rendered

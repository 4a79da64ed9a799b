from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

from dealerships.access import ALL_CAPABILITIES, GROUP_MANAGER_CAPABILITIES, ROLE_CAPABILITIES, Capability
from dealerships.models import Role

YES = "✓"
ADMIN_NOTE = (
    "The Django admin (`/admin/`) lets in superusers (every row) and dealer managers given staff "
    "status (their own dealership's rows only); every other role is sent to its login."
)


def authz_matrix_markdown() -> str:
    """The role x capability table of dealerships.access, as Markdown (the README's copy)."""
    columns: list[tuple[str, frozenset[Capability]]] = [
        (str(role.label), ROLE_CAPABILITIES[role]) for role in Role
    ]
    columns += [("Group manager", GROUP_MANAGER_CAPABILITIES), ("Superuser", ALL_CAPABILITIES)]
    lines = [
        "| Capability | " + " | ".join(name for name, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for capability in Capability:
        cells = [YES if capability in granted else "" for _, granted in columns]
        lines.append(f"| `{capability.value}` | " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", ADMIN_NOTE]) + "\n"


class Command(BaseCommand):
    help = (
        "Print who may do what (roles x capabilities, from dealerships.access) as the Markdown "
        "table the README's 'Who may do what' section holds."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override("en"):
            self.stdout.write(authz_matrix_markdown(), ending="")

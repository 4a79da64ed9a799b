"""Who may do what, and where: the single place that turns (user, slug) into a tenant.

Every staff page and API endpoint under /d/<slug>/ and /api/v1/dealerships/<slug>/ goes
through `dealership_access_for`. An unknown slug and a dealership the user does not belong to
give the same 404, so a URL never reveals which dealerships exist.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from config import sql
from dealerships.models import Dealership, GroupMembership, Membership, Role, User


class Capability(StrEnum):
    VIEW_DEALERSHIP = "view_dealership"
    MANAGE_CUSTOMERS = "manage_customers"
    MANAGE_CAMPAIGNS = "manage_campaigns"
    IMPORT_DATA = "import_data"
    BOOK_APPOINTMENTS = "book_appointments"
    RECEIVE_VEHICLES = "receive_vehicles"
    MANAGE_PARTS = "manage_parts"
    WORK_ON_JOBS = "work_on_jobs"
    MANAGE_CAPACITY = "manage_capacity"
    MANAGE_DEALERSHIP = "manage_dealership"
    VIEW_KPIS = "view_kpis"
    VIEW_AUDIT_TRAIL = "view_audit_trail"  # who changed what and when (the audit app)
    WORK_CALL_QUEUE = "work_call_queue"  # the operators' follow-up calls (the followups app)
    MANAGE_FOLLOWUPS = "manage_followups"  # the follow-up rules and call scripts
    MANAGE_FLEET = "manage_fleet"  # the courtesy and rental fleet (the mobility app)


# R1.1: what each role does. A workshop manager (service director) sets capacity limits; the
# dealer manager runs the dealership and reads the KPIs; a group manager only reads.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.RESERVATION_OPERATOR: frozenset(
        {
            Capability.VIEW_DEALERSHIP,
            Capability.BOOK_APPOINTMENTS,
            Capability.MANAGE_CUSTOMERS,
            Capability.WORK_CALL_QUEUE,
        }
    ),
    Role.SERVICE_ADVISOR: frozenset(
        {
            Capability.VIEW_DEALERSHIP,
            Capability.BOOK_APPOINTMENTS,
            Capability.RECEIVE_VEHICLES,
            Capability.MANAGE_CUSTOMERS,
        }
    ),
    Role.WORKSHOP_MANAGER: frozenset(
        {
            Capability.VIEW_DEALERSHIP,
            Capability.BOOK_APPOINTMENTS,
            Capability.RECEIVE_VEHICLES,
            Capability.MANAGE_PARTS,
            Capability.WORK_ON_JOBS,
            Capability.MANAGE_CAPACITY,
            Capability.MANAGE_CUSTOMERS,
            Capability.MANAGE_CAMPAIGNS,
            Capability.VIEW_KPIS,
            Capability.VIEW_AUDIT_TRAIL,
            Capability.MANAGE_FLEET,
        }
    ),
    Role.PARTS_MANAGER: frozenset({Capability.VIEW_DEALERSHIP, Capability.MANAGE_PARTS}),
    Role.TECHNICIAN: frozenset({Capability.VIEW_DEALERSHIP, Capability.WORK_ON_JOBS}),
    Role.DEALER_MANAGER: frozenset(
        {
            Capability.VIEW_DEALERSHIP,
            Capability.BOOK_APPOINTMENTS,
            Capability.MANAGE_CAPACITY,
            Capability.MANAGE_DEALERSHIP,
            Capability.MANAGE_CUSTOMERS,
            Capability.MANAGE_CAMPAIGNS,
            Capability.IMPORT_DATA,
            Capability.VIEW_KPIS,
            Capability.VIEW_AUDIT_TRAIL,
            Capability.WORK_CALL_QUEUE,
            Capability.MANAGE_FOLLOWUPS,
            Capability.MANAGE_FLEET,
        }
    ),
}
GROUP_MANAGER_CAPABILITIES = frozenset({Capability.VIEW_DEALERSHIP, Capability.VIEW_KPIS})
ALL_CAPABILITIES = frozenset(Capability)


@dataclass(frozen=True, kw_only=True, slots=True)
class StaffAccess:
    """What one user may do at one dealership, resolved once per request."""

    dealership: Dealership
    user: User
    roles: frozenset[Role]
    is_group_manager: bool
    capabilities: frozenset[Capability]

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


def capabilities_for(
    *, roles: frozenset[Role], is_group_manager: bool, is_superuser: bool
) -> frozenset[Capability]:
    if is_superuser:
        return ALL_CAPABILITIES
    granted: set[Capability] = set(GROUP_MANAGER_CAPABILITIES if is_group_manager else ())
    for role in roles:
        granted |= ROLE_CAPABILITIES[role]
    return frozenset(granted)


_ACCESS_SQL = """
    SELECT d.*, m.role AS caller_role, EXISTS (
        SELECT 1 FROM {group_membership} g WHERE g.user_id = %s AND g.dealer_group_id = d.group_id
    ) AS caller_manages_group
    FROM {dealership} d
    LEFT JOIN {membership} m ON m.dealership_id = d.id AND m.user_id = %s
    WHERE d.slug = %s AND d.is_active
"""


def dealership_access_for(*, user: User | AnonymousUser, slug: str) -> StaffAccess:
    """Return the user's access to the dealership named by slug, or raise Http404 (R1.2)."""
    if not user.is_authenticated:
        raise Http404
    # Every request asks this, so it is one query: the dealership, one row per role the user
    # holds there (or one row with no role), and whether the user manages its group.
    rows = list(
        Dealership.objects.raw(
            _ACCESS_SQL.format(
                dealership=sql.table(Dealership),
                membership=sql.table(Membership),
                group_membership=sql.table(GroupMembership),
            ),
            [user.pk, user.pk, slug],
        )
    )
    if not rows:
        raise Http404
    dealership = rows[0]
    # caller_role and caller_manages_group are columns of the statement, not fields of the model.
    roles = frozenset(Role(row.caller_role) for row in rows if row.caller_role)  # type: ignore[attr-defined]
    is_group_manager = bool(dealership.caller_manages_group)  # type: ignore[attr-defined]  # SQLite: 0 or 1
    if not roles and not is_group_manager and not user.is_superuser:
        raise Http404
    return StaffAccess(
        dealership=dealership,
        user=user,
        roles=roles,
        is_group_manager=is_group_manager,
        capabilities=capabilities_for(
            roles=roles, is_group_manager=is_group_manager, is_superuser=user.is_superuser
        ),
    )


def public_dealership_for(*, slug: str) -> Dealership:
    """The dealership behind a customer-facing /book/<slug>/ URL, or Http404 (R9.5)."""
    dealership = Dealership.objects.filter(slug=slug, is_active=True, online_booking_enabled=True).first()
    if dealership is None:
        raise Http404
    return dealership

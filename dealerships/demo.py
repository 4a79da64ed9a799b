"""Demo tenants: two dealer groups, five dealerships across six languages and five time zones."""

from dataclasses import dataclass
from datetime import time

from django.db import transaction

from dealerships.models import Brand, DealerGroup, Dealership, GroupMembership, Membership, Role, User
from dealerships.services import OpeningInterval, opening_hours_replace

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoDealership:
    slug: str
    name: str
    brands: tuple[str, ...]
    department: str
    street: str
    postal_code: str
    city: str
    country: str
    subdivision: str
    phone: str
    time_zone: str
    language: str
    hours: tuple[tuple[int, str, str], ...]
    # One person per role (R1.1): (role, given name, family name).
    staff: tuple[tuple[Role, str, str], ...]


def _weekdays(*spans: tuple[str, str], days: range = range(0, 5)) -> tuple[tuple[int, str, str], ...]:
    return tuple((day, opens, closes) for day in days for opens, closes in spans)


# fmt: off
GROUPS = {
    "europa-motors": (
        "Europa Motors",
        [
            DemoDealership(
                slug="milano", name="Europa Motors Milano", brands=("Maserati", "Fiat"),
                department="Assistenza", street="Viale Certosa 218", postal_code="20156", city="Milano",
                country="IT", subdivision="MI", phone="+390239123456", time_zone="Europe/Rome", language="it",
                hours=_weekdays(("08:00", "12:30"), ("14:00", "18:30")),
                staff=(
                    (Role.RESERVATION_OPERATOR, "Chiara", "Colombo"), (Role.SERVICE_ADVISOR, "Giulia", "Rossi"),
                    (Role.WORKSHOP_MANAGER, "Marco", "Bianchi"), (Role.PARTS_MANAGER, "Luca", "Ferrari"),
                    (Role.TECHNICIAN, "Paolo", "Esposito"), (Role.DEALER_MANAGER, "Francesca", "Ricci"),
                ),
            ),
            DemoDealership(
                slug="madrid", name="Europa Motors Madrid", brands=("Citroën", "Peugeot"),
                department="Posventa", street="Calle de Alcalá 540", postal_code="28027", city="Madrid",
                country="ES", subdivision="MD", phone="+34913456789", time_zone="Europe/Madrid", language="es",
                hours=(*_weekdays(("08:30", "14:00"), ("15:30", "19:00")), (5, "09:00", "13:00")),
                staff=(
                    (Role.RESERVATION_OPERATOR, "Lucía", "García"), (Role.SERVICE_ADVISOR, "Javier", "Martínez"),
                    (Role.WORKSHOP_MANAGER, "Carmen", "López"), (Role.PARTS_MANAGER, "Alejandro", "Sánchez"),
                    (Role.TECHNICIAN, "Sergio", "Fernández"), (Role.DEALER_MANAGER, "Isabel", "Gómez"),
                ),
            ),
            DemoDealership(
                slug="moskva", name="Европа Моторс Москва", brands=("Citroën",),
                department="Сервис", street="Ленинградский проспект 39", postal_code="125167", city="Москва",
                country="RU", subdivision="", phone="+74951234567", time_zone="Europe/Moscow", language="ru",
                hours=_weekdays(("09:00", "20:00"), days=range(0, 6)),
                staff=(
                    (Role.RESERVATION_OPERATOR, "Анна", "Иванова"), (Role.SERVICE_ADVISOR, "Дмитрий", "Смирнов"),
                    (Role.WORKSHOP_MANAGER, "Сергей", "Кузнецов"), (Role.PARTS_MANAGER, "Ольга", "Попова"),
                    (Role.TECHNICIAN, "Алексей", "Волков"), (Role.DEALER_MANAGER, "Елена", "Соколова"),
                ),
            ),
        ],
    ),
    "harbor-auto": (
        "Harbor Auto Group",
        [
            DemoDealership(
                slug="ecully", name="Citroën Écully", brands=("Citroën",),
                department="Après-vente", street="12 Avenue Guy de Collongue", postal_code="69130", city="Écully",
                country="FR", subdivision="", phone="+33478331234", time_zone="Europe/Paris", language="fr",
                hours=_weekdays(("08:00", "12:00"), ("13:30", "18:00")),
                staff=(
                    (Role.RESERVATION_OPERATOR, "Jacqueline", "Durand"), (Role.SERVICE_ADVISOR, "Julien", "Moreau"),
                    (Role.WORKSHOP_MANAGER, "Nicolas", "Lefebvre"), (Role.PARTS_MANAGER, "Sophie", "Girard"),
                    (Role.TECHNICIAN, "Thomas", "Roux"), (Role.DEALER_MANAGER, "Claire", "Fournier"),
                ),
            ),
            DemoDealership(
                slug="shanghai", name="港湾汽车 上海", brands=("Maserati",),
                department="售后服务", street="虹桥路 1665 号", postal_code="200336", city="上海",
                country="CN", subdivision="", phone="+862162781234", time_zone="Asia/Shanghai",
                language="zh-hans", hours=_weekdays(("08:30", "17:30"), days=range(0, 7)),
                staff=(
                    (Role.RESERVATION_OPERATOR, "丽", "王"), (Role.SERVICE_ADVISOR, "伟", "李"),
                    (Role.WORKSHOP_MANAGER, "强", "张"), (Role.PARTS_MANAGER, "敏", "刘"),
                    (Role.TECHNICIAN, "磊", "陈"), (Role.DEALER_MANAGER, "静", "杨"),
                ),
            ),
        ],
    ),
}
# fmt: on

_ROLE_LOGIN = {
    Role.RESERVATION_OPERATOR: "operator",
    Role.SERVICE_ADVISOR: "advisor",
    Role.WORKSHOP_MANAGER: "workshop",
    Role.PARTS_MANAGER: "parts",
    Role.TECHNICIAN: "technician",
    Role.DEALER_MANAGER: "manager",
}


def _user(username: str, first: str, last: str, language: str, **extra: bool) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "language": language, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def demo_logins() -> list[tuple[str, str]]:
    """(login, what it is) for every demo user, in the order they are printed."""
    logins = [("admin", "superuser, every dealership and the admin")]
    for group_slug, (group_name, dealerships) in GROUPS.items():
        for spec in dealerships:
            logins += [
                (f"{spec.slug}.{_ROLE_LOGIN[role]}", f"{role.label}, {spec.name}") for role, *_ in spec.staff
            ]
        logins.append((f"{group_slug}.groupmanager", f"group manager, {group_name}"))
    return logins


@transaction.atomic
def demo_tenants_create() -> None:
    """Create (or top up) the demo groups, dealerships and staff."""
    _user("admin", "Platform", "Admin", "en", is_staff=True, is_superuser=True)
    for group_slug, (group_name, dealerships) in GROUPS.items():
        group, _ = DealerGroup.objects.get_or_create(slug=group_slug, defaults={"name": group_name})
        for spec in dealerships:
            dealership, created = Dealership.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "group": group,
                    "name": spec.name,
                    "service_department_name": spec.department,
                    "street": spec.street,
                    "postal_code": spec.postal_code,
                    "city": spec.city,
                    "country": spec.country,
                    "subdivision": spec.subdivision,
                    "phone": spec.phone,
                    "email": f"service@{spec.slug}.example",
                    "time_zone": spec.time_zone,
                    "language": spec.language,
                    "phone_region": spec.country,
                },
            )
            if created:
                dealership.full_clean()
                dealership.brands.set([Brand.objects.get_or_create(name=name)[0] for name in spec.brands])
                opening_hours_replace(
                    dealership=dealership,
                    intervals=[
                        OpeningInterval(
                            weekday=day, opens=time.fromisoformat(o), closes=time.fromisoformat(c)
                        )
                        for day, o, c in spec.hours
                    ],
                )
            for role, first, last in spec.staff:
                username = f"{spec.slug}.{_ROLE_LOGIN[role]}"
                # Dealer managers also get the scoped Django admin for their dealership's rows.
                user = _user(username, first, last, spec.language, is_staff=role == Role.DEALER_MANAGER)
                Membership.objects.get_or_create(user=user, dealership=dealership, role=role)
        manager = _user(f"{group_slug}.groupmanager", "Group", group_name, "en")
        GroupMembership.objects.get_or_create(user=manager, dealer_group=group)
    _grant_dealer_managers_admin_permissions()


DEALER_ADMIN_MODELS = ["dealership", "closure", "membership", "openinghours"]


def _grant_dealer_managers_admin_permissions() -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    admins, _ = Group.objects.get_or_create(name="Dealer managers")
    admins.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label="dealerships", content_type__model__in=DEALER_ADMIN_MODELS)
            | Q(content_type__app_label__in=["customers", "workshop", "mobility"])
            | Q(content_type__app_label__in=["bookings", "followups"], codename__startswith="view_")
        )
    )
    for user in User.objects.filter(memberships__role=Role.DEALER_MANAGER).distinct():
        user.groups.add(admins)

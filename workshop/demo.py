"""Demo workshops: the policy, three service advisors and five technicians working the
dealership's opening hours, and a job catalogue in the dealership's language."""

from django.db import transaction

from customers.demo import NAMES
from dealerships.models import Dealership, Membership, OpeningHours, Role
from workshop.models import (
    Advisor,
    AdvisorShift,
    Job,
    JobKind,
    Skill,
    Technician,
    TechnicianShift,
    WorkshopPolicy,
)

TECHNICIAN_SKILLS = [
    [Skill.MAINTENANCE, Skill.TYRES],
    [Skill.MAINTENANCE, Skill.DIAGNOSIS, Skill.ELECTRICAL],
    [Skill.MAINTENANCE],
    [Skill.BODYWORK],
    [Skill.MAINTENANCE, Skill.ELECTRICAL, Skill.EV_HIGH_VOLTAGE],
]
# code, kind, minutes, skill, interval km, names by language
JOBS = [
    (
        "SRV-15K",
        JobKind.MAINTENANCE,
        90,
        Skill.MAINTENANCE,
        15_000,
        {
            "it": "Tagliando 15.000 km",
            "es": "Revisión 15.000 km",
            "ru": "ТО-1 (15 000 км)",
            "fr": "Révision 15 000 km",
            "zh-hans": "15000公里保养",
            "en": "15,000 km service",
        },
    ),
    (
        "SRV-30K",
        JobKind.MAINTENANCE,
        180,
        Skill.MAINTENANCE,
        30_000,
        {
            "it": "Tagliando 30.000 km",
            "es": "Revisión 30.000 km",
            "ru": "ТО-2 (30 000 км)",
            "fr": "Révision 30 000 km",
            "zh-hans": "30000公里保养",
            "en": "30,000 km service",
        },
    ),
    (
        "DIAG",
        JobKind.DIAGNOSIS,
        60,
        Skill.DIAGNOSIS,
        None,
        {
            "it": "Diagnosi",
            "es": "Diagnóstico",
            "ru": "Диагностика",
            "fr": "Diagnostic",
            "zh-hans": "故障诊断",
            "en": "Diagnosis",
        },
    ),
    (
        "BRAKE-F",
        JobKind.REPAIR,
        75,
        Skill.MAINTENANCE,
        None,
        {
            "it": "Pastiglie freni anteriori",
            "es": "Pastillas de freno delanteras",
            "ru": "Замена передних колодок",
            "fr": "Plaquettes de frein avant",
            "zh-hans": "更换前刹车片",
            "en": "Front brake pads",
        },
    ),
    (
        "TYRES-4",
        JobKind.TYRES,
        45,
        Skill.TYRES,
        None,
        {
            "it": "Cambio gomme",
            "es": "Cambio de neumáticos",
            "ru": "Шиномонтаж",
            "fr": "Changement de pneus",
            "zh-hans": "更换轮胎",
            "en": "Tyre change",
        },
    ),
    (
        "ELEC",
        JobKind.REPAIR,
        120,
        Skill.ELECTRICAL,
        None,
        {
            "it": "Impianto elettrico",
            "es": "Sistema eléctrico",
            "ru": "Ремонт электрики",
            "fr": "Électricité",
            "zh-hans": "电路维修",
            "en": "Electrical repair",
        },
    ),
    (
        "HV-CHECK",
        JobKind.MAINTENANCE,
        90,
        Skill.EV_HIGH_VOLTAGE,
        None,
        {
            "it": "Controllo alta tensione",
            "es": "Revisión de alta tensión",
            "ru": "Проверка ВВ-батареи",
            "fr": "Contrôle haute tension",
            "zh-hans": "高压系统检查",
            "en": "High-voltage check",
        },
    ),
    (
        "BODY",
        JobKind.BODYWORK,
        960,
        Skill.BODYWORK,
        None,
        {
            "it": "Carrozzeria",
            "es": "Chapa y pintura",
            "ru": "Кузовной ремонт",
            "fr": "Carrosserie",
            "zh-hans": "钣金喷漆",
            "en": "Bodywork",
        },
    ),
]


@transaction.atomic
def demo_workshop_create(*, dealership: Dealership) -> None:
    """Create the dealership's demo workshop, unless it has advisors already."""
    if Advisor.objects.for_dealership(dealership).exists():
        return
    WorkshopPolicy.objects.get_or_create(dealership=dealership)
    hours = list(OpeningHours.objects.for_dealership(dealership).values_list("weekday", "opens", "closes"))
    given, family = NAMES.get(dealership.language, NAMES["en"])
    advisor_logins = [
        m.user for m in Membership.objects.for_dealership(dealership).filter(role=Role.SERVICE_ADVISOR)
    ]
    for index in range(3):
        user = advisor_logins[index] if index < len(advisor_logins) else None
        name = user.get_full_name() if user else f"{given[index + 2]} {family[index + 5]}"
        advisor = Advisor.objects.create(
            dealership=dealership, user=user, name=name, max_customers_per_day=10
        )
        AdvisorShift.objects.bulk_create(
            AdvisorShift(dealership=dealership, advisor=advisor, weekday=w, starts=o, ends=c)
            for w, o, c in hours
        )
    for index, skills in enumerate(TECHNICIAN_SKILLS):
        technician = Technician.objects.create(
            dealership=dealership,
            name=f"{given[-1 - index]} {family[-1 - index]}",
            skills=[str(s) for s in skills],
        )
        TechnicianShift.objects.bulk_create(
            TechnicianShift(dealership=dealership, technician=technician, weekday=w, starts=o, ends=c)
            for w, o, c in hours
            if w < 5
        )
    for code, kind, minutes, skill, interval, names in JOBS:
        Job.objects.create(
            dealership=dealership,
            code=code,
            name=names.get(dealership.language, names["en"]),
            kind=kind,
            labour_minutes=minutes,
            skill=skill,
            mileage_interval_km=interval,
        )

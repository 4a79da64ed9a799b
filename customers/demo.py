"""Demo customer files: a few hundred customers and vehicles per demo dealership, with names,
phones and plates as each country writes them, warranties, programmes and a matching campaign."""

import random
from datetime import date, timedelta

import phonenumbers
from django.db import transaction

from customers.identifiers import CHECK_DIGIT_COUNTRIES, normalize_name, normalize_plate, vin_check_digit
from customers.models import (
    Campaign,
    ContactMethod,
    Customer,
    MileageReading,
    Programme,
    Vehicle,
    VehicleOwnership,
)
from customers.services import campaign_vins_add
from dealerships.models import Dealership

NAMES = {
    "it": (
        ["Marco", "Giulia", "Luca", "Francesca", "Alessandro", "Chiara", "Matteo", "Sara", "Davide", "Elena"],
        [
            "Rossi",
            "Russo",
            "Ferrari",
            "Esposito",
            "Bianchi",
            "Romano",
            "Colombo",
            "Ricci",
            "Marino",
            "Greco",
            "Bruno",
            "Gallo",
            "Conti",
            "De Luca",
            "Mancini",
            "Costa",
            "Giordano",
            "Rizzo",
            "Lombardi",
            "Moretti",
        ],
    ),
    "es": (
        ["Lucía", "Javier", "Carmen", "Alejandro", "María", "Pablo", "Sofía", "Diego", "Elena", "Hugo"],
        [
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Martín",
            "Jiménez",
            "Ruiz",
            "Hernández",
            "Díaz",
            "Núñez",
            "Álvarez",
            "Muñoz",
            "Romero",
            "Navarro",
        ],
    ),
    "ru": (
        ["Александр", "Дмитрий", "Сергей", "Иван", "Андрей", "Михаил", "Алексей", "Николай", "Павел", "Олег"],
        [
            "Иванов",
            "Смирнов",
            "Кузнецов",
            "Попов",
            "Васильев",
            "Петров",
            "Соколов",
            "Михайлов",
            "Новиков",
            "Фёдоров",
            "Морозов",
            "Волков",
            "Алексеев",
            "Лебедев",
            "Семёнов",
            "Егоров",
            "Павлов",
            "Козлов",
        ],
    ),
    "fr": (
        ["Jean", "Marie", "Pierre", "Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon"],
        [
            "Martin",
            "Bernard",
            "Dubois",
            "Thomas",
            "Robert",
            "Richard",
            "Petit",
            "Durand",
            "Leroy",
            "Moreau",
            "Lefèvre",
            "Girard",
            "Fournier",
            "Mercier",
            "Blanc",
            "Guérin",
            "Faure",
            "Rousseau",
        ],
    ),
    "zh-hans": (
        ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "婷", "强"],
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱"],
    ),
    "en": (
        ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda"],
        ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson"],
    ),
}
MOBILE_PATTERNS = {
    "IT": "+393{9}",
    "ES": "+346{8}",
    "RU": "+79{9}",
    "FR": "+336{8}",
    "CN": "+8613{9}",
    "US": "+1212555{4}",
}
MODELS = {
    "Maserati": ("ZAM", ["Ghibli", "Levante", "Grecale", "Quattroporte", "MC20"]),
    "Fiat": ("ZFA", ["500", "Panda", "Tipo", "500X"]),
    "Citroën": ("VF7", ["C3", "C4", "C5 Aircross", "Berlingo"]),
    "Peugeot": ("VF3", ["208", "308", "2008", "3008"]),
}
FUELS = ["petrol", "diesel", "hybrid", "electric"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
LATIN = "ABCDEFGHJKLMNPRSTVWXYZ"
CYRILLIC_PLATE = "АВЕКМНОРСТУХ"


def _phone(rng: random.Random, country: str) -> str:
    pattern = MOBILE_PATTERNS.get(country, MOBILE_PATTERNS["IT"])
    prefix, count = pattern.split("{")
    while True:
        number = prefix + "".join(rng.choice("0123456789") for _ in range(int(count.rstrip("}"))))
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def _plate(rng: random.Random, country: str) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    letters = lambda n, pool=LATIN: "".join(rng.choice(pool) for _ in range(n))  # noqa: E731
    if country == "ES":
        return f"{digits(4)} {letters(3, 'BCDFGHJKLMNPRSTVWXYZ')}"
    if country == "RU":
        region = rng.choice(["77", "97", "177", "799"])
        return f"{letters(1, CYRILLIC_PLATE)}{digits(3)}{letters(2, CYRILLIC_PLATE)} {region}"
    if country == "FR":
        return f"{letters(2)}-{digits(3)}-{letters(2)}"
    if country == "CN":
        return f"沪{letters(1)}·{digits(5)}"
    return f"{letters(2)} {digits(3)} {letters(2)}"


def _vin(rng: random.Random, make: str, year: int, country: str) -> str:
    wmi = MODELS[make][0]
    body = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    year_code = "ABCDEFGHJKLMNPRSTVWXY123456789"[(year - 2010) % 30]
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    vin = f"{wmi}{body}0{year_code}{rng.choice(LATIN)}{serial}"
    if country in CHECK_DIGIT_COUNTRIES:
        vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    return vin


def _email_local_part(given_name: str) -> str:
    """The name's ASCII letters: Django's EmailValidator refuses non-ASCII local parts, so a
    Cyrillic or Chinese name would make every later save of the customer fail."""
    ascii_letters = "".join(char for char in normalize_name(given_name) if char.isascii() and char.isalpha())
    return ascii_letters[:8] or "cliente"


@transaction.atomic
def demo_customers_create(*, dealership: Dealership, count: int = 300, today: date) -> None:
    """Create `count` customers with one or two vehicles each, unless the dealership has some."""
    if Customer.objects.for_dealership(dealership).exists():
        return
    rng = random.Random(f"demo-{dealership.slug}")
    given_names, family_names = NAMES.get(dealership.language, NAMES["en"])
    makes = [brand.name for brand in dealership.brands.all() if brand.name in MODELS] or ["Fiat"]
    customers = []
    for _ in range(count):
        family = rng.choice(family_names)
        customers.append(
            Customer(
                dealership=dealership,
                given_name=rng.choice(given_names),
                family_name=family,
                family_name_search=normalize_name(family),
                mobile_phone=_phone(rng, dealership.phone_region),
                preferred_contact=rng.choice(ContactMethod.values),
                language=dealership.language,
                city=dealership.city,
            )
        )
    Customer.objects.bulk_create(customers)
    # Each vehicle with the dates and reading it was made with: (vehicle, sale, read on, km, warranty end).
    made: list[tuple[Vehicle, date, date, int, date]] = []
    for customer in customers:
        if customer.mobile_phone and rng.random() < 0.6:
            customer.email = f"{_email_local_part(customer.given_name)}.{customer.pk}@example.com"
        for _ in range(1 if rng.random() < 0.8 else 2):
            make = rng.choice(makes)
            year = rng.randint(2016, today.year)
            sale = date(year, rng.randint(1, 12), rng.randint(1, 28))
            sale = min(sale, today - timedelta(days=30))
            plate = _plate(rng, dealership.country)
            vin = _vin(rng, make, year, dealership.country)
            mileage = max(500, int((today - sale).days * rng.uniform(20, 70)))
            # One fixed order of draws: the seeded generator then makes the same demo data each time.
            model = rng.choice(MODELS[make][1])
            fuel = rng.choice(FUELS)
            read_on = today - timedelta(days=rng.randint(10, 200))
            warranty_end = date(sale.year + rng.choice([2, 3, 4]), sale.month, sale.day)
            mileage_limit = rng.choice([None, 100_000, 150_000])
            vehicle = Vehicle(
                dealership=dealership,
                customer=customer,
                vin=vin,
                vin_reversed=vin[::-1],
                plate=plate,
                plate_search=normalize_plate(plate),
                make=make,
                model=model,
                model_year=year,
                fuel=fuel,
                sale_date=sale,
                mileage_km=mileage,
                mileage_read_on=read_on,
                warranty_start=sale,
                warranty_end=warranty_end,
                warranty_mileage_limit_km=mileage_limit,
            )
            made.append((vehicle, sale, read_on, mileage, warranty_end))
    vehicles = [vehicle for vehicle, *_facts in made]
    Customer.objects.bulk_update([c for c in customers if c.email], ["email"])
    Vehicle.objects.bulk_create(vehicles)
    VehicleOwnership.objects.bulk_create(
        [
            VehicleOwnership(dealership=dealership, vehicle=v, customer=v.customer, started_on=sale)
            for v, sale, *_facts in made
        ]
    )
    MileageReading.objects.bulk_create(
        [
            MileageReading(
                dealership=dealership,
                vehicle=v,
                read_on=read_on,
                mileage_km=mileage,
                source=MileageReading.Source.IMPORT,
            )
            for v, _sale, read_on, mileage, _warranty_end in made
        ]
    )
    Programme.objects.bulk_create(
        [
            Programme(
                dealership=dealership,
                vehicle=v,
                kind=Programme.Kind.COURTESY_CAR,
                name="Mobility Plus",
                valid_from=sale,
                valid_until=date(sale.year + 5, sale.month, sale.day),
                entitles_courtesy_car=True,
                benefit_value=45,
                benefit_currency="EUR",
            )
            for v, sale, *_facts in made[::7]
        ]
        + [
            Programme(
                dealership=dealership,
                vehicle=v,
                kind=Programme.Kind.EXTENDED_WARRANTY,
                name="Extended warranty",
                valid_from=warranty_end,
                valid_until=date(warranty_end.year + 2, warranty_end.month, 28),
                mileage_limit_km=150_000,
                entitles_pickup_delivery=True,
            )
            for v, *_facts, warranty_end in made[3::11]
        ]
    )
    make = makes[0]
    Campaign.objects.create(
        dealership=dealership,
        code=f"RC-{today.year}-{make[:3].upper()}-01",
        is_recall=True,
        title=f"{make}: brake hose inspection",
        labour_minutes=40,
        starts_on=today - timedelta(days=90),
        make=make,
        model_year_from=today.year - 4,
        model_year_to=today.year - 2,
    )
    listed = Campaign.objects.create(
        dealership=dealership,
        code=f"SC-{today.year}-{make[:3].upper()}-07",
        title=f"{make}: software update",
        labour_minutes=30,
        starts_on=today - timedelta(days=30),
    )
    campaign_vins_add(dealership=dealership, campaign=listed, vins=[v.vin for v in vehicles[::13]])

"""An operator works the follow-up calls from the queue with the keyboard (R7.5): books one
through the phone booking it opens prefilled, records a refusal with its reason, and an
unanswered call, each with one key."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import ContactMethod
from dealerships.models import Role
from followups.models import CallTask, ContactRecord, Priority, TaskKind, TaskStatus
from followups.services.calls import call_task_create
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESK_SCREEN = {"width": 1366, "height": 768}


@pytest.fixture
def calls(milano):
    user = UserFactory(username="olga", first_name="Olga", last_name="Neri", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.RESERVATION_OPERATOR)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando 15.000 km", labour_minutes=90)
    now = timezone.now()
    tasks = []
    for minutes, (given, family) in enumerate([("Mario", "Bianchi"), ("Anna", "Russo"), ("Luca", "Gallo")]):
        customer = CustomerFactory(
            dealership=milano,
            given_name=given,
            family_name=family,
            language="en",
            mobile_phone="+39347123456" + str(minutes),
            preferred_contact=ContactMethod.PHONE,
        )
        vehicle = VehicleFactory(customer=customer)
        tasks.append(
            call_task_create(
                dealership=milano,
                kind=TaskKind.PERIODIC_SERVICE,
                customer=customer,
                vehicle=vehicle,
                now=now,
                due_at=now - timedelta(minutes=30 - minutes),  # in this order in the queue
                priority=Priority.NORMAL,
            )
        )
    return tasks


def _focus_leaves_the_boxes(page) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")


def test_an_operator_works_three_calls_from_the_queue_with_the_keyboard(page, calls):
    booked, declined, unanswered = calls
    page.set_viewport_size(DESK_SCREEN)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    page.get_by_role("link", name="Calls").click()
    page.wait_for_url("**/d/milano/calls/")
    assert "3 calls due now" in page.locator(".queue-counts").inner_text()

    # N takes the next call: the first due, shown in place with the file and the script.
    page.keyboard.press("n")
    page.get_by_role("heading", name="Periodic service reminder · Mario Bianchi").wait_for()
    expect(page.locator("#task-title")).to_be_focused()
    assert "is due for its regular service soon" in page.locator("blockquote").inner_text()

    # B books now: the phone booking opens with the customer, the car and the service, and the
    # times already asked for.
    page.keyboard.press("b")
    page.wait_for_url("**/d/milano/book/?customer=*")
    page.locator("#offer [data-offer-first]").wait_for()
    assert page.get_by_label("Tagliando 15.000 km").is_checked()
    expect(page.locator("#offer [data-offer-first]")).to_be_focused()
    page.get_by_role("button", name="Book this time").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/booked/")

    booked.refresh_from_db()
    assert (booked.status, booked.outcome) == (TaskStatus.DONE, "booked")
    assert booked.booked_appointment is not None
    page.goto(f"/d/milano/calls/{booked.id}/")
    assert "Booked" in page.locator("#call-task").inner_text()

    # The second call: declined, with the reason (R7.5).
    page.goto("/d/milano/calls/")
    page.keyboard.press("n")
    page.get_by_role("heading", name="Periodic service reminder · Anna Russo").wait_for()
    page.get_by_label("why the customer declines").select_option("serviced_elsewhere")
    _focus_leaves_the_boxes(page)
    page.keyboard.press("5")
    page.get_by_role("heading", name="Periodic service reminder · Anna Russo").wait_for(state="detached")
    expect(page.locator(".call-key[data-key='n']")).to_be_focused()

    # The third: no answer, one key.
    page.keyboard.press("n")
    page.get_by_role("heading", name="Periodic service reminder · Luca Gallo").wait_for()
    page.keyboard.press("2")
    page.get_by_role("heading", name="Periodic service reminder · Luca Gallo").wait_for(state="detached")
    assert "0 calls due now" in page.locator(".queue-counts").inner_text()

    declined.refresh_from_db()
    unanswered.refresh_from_db()
    assert (declined.status, declined.outcome, declined.decline_reason) == (
        TaskStatus.DONE,
        "declined",
        "serviced_elsewhere",
    )
    assert (unanswered.status, unanswered.attempts) == (TaskStatus.OPEN, 1)
    assert sorted(ContactRecord.objects.values_list("outcome", flat=True)) == [
        "booked",
        "declined",
        "no_answer",
    ]
    assert CallTask.objects.filter(status=TaskStatus.CLAIMED).count() == 0


def test_a_declined_call_without_its_reason_stays_with_the_focus_on_the_reason(page, calls):
    page.set_viewport_size(DESK_SCREEN)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    page.goto("/d/milano/calls/")
    page.keyboard.press("n")
    page.get_by_role("heading", name="Periodic service reminder · Mario Bianchi").wait_for()
    page.keyboard.press("5")
    page.get_by_text("Say why the customer declined.").wait_for()
    expect(page.locator("[name='decline_reason']")).to_be_focused()
    assert not ContactRecord.objects.exists()
    # The same page on a phone: the call's content reflows to the screen's width (measured with
    # the shared staff top bar and menu set aside: they are the base layout's), and the outcome
    # keys are 44 px targets.
    page.set_viewport_size(PHONE)
    page.evaluate("document.querySelectorAll('header.topbar, nav.sidenav').forEach(e => e.remove())")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    keys = page.locator(".outcome-keys button")
    assert keys.count() == 6
    assert all(keys.nth(n).bounding_box()["height"] >= 44 for n in range(6))


PHONE = {"width": 390, "height": 844}


def _fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A radio or a checkbox is reached through its label, which is the 44 px target.
    sizes = page.evaluate(
        "[...document.querySelectorAll('main button, main textarea, main fieldset label,"
        " main input:not([type=hidden]):not([type=radio]):not([type=checkbox])')]"
        ".map(e => [e.name || e.innerText, e.getBoundingClientRect().height])"
    )
    assert sizes
    assert [name for name, height in sizes if height < 44] == []


def test_the_enquiry_and_satisfaction_pages_fit_a_phone(page, milano):
    from followups.satisfaction_link import satisfaction_token
    from tests.factories.bookings import AppointmentFactory

    page.set_viewport_size(PHONE)
    page.goto("/book/milano/enquiry/")
    _fits_a_phone(page)
    page.get_by_label("Your name").fill("Mario Rossi")
    page.get_by_label("Mobile phone or e-mail").fill("mario@example.com")
    page.get_by_label("Your question").fill("Do you fit winter tyres?")
    page.get_by_role("button", name="Send the question").click()
    page.get_by_role("heading", name="Thank you, we have your question").wait_for()
    assert CallTask.objects.get().kind == TaskKind.ENQUIRY

    visit = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    page.goto(f"/book/milano/satisfaction/{satisfaction_token(visit)}/")
    _fits_a_phone(page)
    page.get_by_label("4").check()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="Thank you").wait_for()


@pytest.fixture
def satisfaction_call(milano):
    from bookings.models import AppointmentStatus
    from tests.factories.bookings import AppointmentFactory

    operator = UserFactory(username="olga", first_name="Olga", last_name="Neri", password="s3cret-pass")
    MembershipFactory(user=operator, dealership=milano, role=Role.RESERVATION_OPERATOR)
    advisor_login = UserFactory(
        username="paola", first_name="Paola", last_name="Conti", password="s3cret-pass"
    )
    MembershipFactory(user=advisor_login, dealership=milano, role=Role.SERVICE_ADVISOR)
    customer = CustomerFactory(
        dealership=milano,
        given_name="Marta",
        family_name="Galli",
        language="en",
        mobile_phone="+393471234560",
        preferred_contact=ContactMethod.PHONE,
    )
    visit = AppointmentFactory(
        advisor=AdvisorFactory(dealership=milano, name="Paola Conti", user=advisor_login),
        vehicle=VehicleFactory(customer=customer, make="Fiat", model="Tipo"),
        status=AppointmentStatus.DELIVERED,
    )
    now = timezone.now()
    call_task_create(
        dealership=milano,
        kind=TaskKind.SATISFACTION,
        customer=customer,
        vehicle=visit.vehicle,
        appointment=visit,
        now=now,
        due_at=now - timedelta(minutes=5),
        deadline_at=now + timedelta(days=2),
    )
    return visit


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/**")


def test_r9_1_operator_records_a_low_score_with_a_concern_and_the_advisor_sees_it(
    page, satisfaction_call, tmp_path
):
    from followups.models import SatisfactionResponse

    visit = satisfaction_call
    page.set_viewport_size(DESK_SCREEN)
    _log_in(page, "olga")
    page.goto("/d/milano/calls/")
    page.keyboard.press("n")
    page.get_by_role("heading", name="Satisfaction follow-up · Marta Galli").wait_for()
    answer = page.get_by_role("group", name="Customer satisfaction")
    scores = answer.get_by_role("group", name="Score")
    page.screenshot(path=str(tmp_path / "satisfaction-call-desk.png"), full_page=True)

    # The scores are a radio group the keyboard walks: from 3, the next one is 2.
    scores.get_by_role("radio", name="3").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert scores.get_by_role("radio", name="2").is_checked()
    answer.get_by_label("Comment").fill("The noise is back after two days.")
    answer.get_by_label("Concern: the advisor should call back").check()

    # On a phone: the page fits and every score and the box are 44 px targets.
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(tmp_path / "satisfaction-call-phone.png"), full_page=True)
    targets = page.locator(".satisfaction-answer fieldset label, .satisfaction-answer .field.checkbox label")
    assert targets.count() == 6
    assert all(targets.nth(n).bounding_box()["height"] >= 44 for n in range(6))
    assert all(targets.nth(n).bounding_box()["width"] >= 44 for n in range(5))
    page.set_viewport_size(DESK_SCREEN)

    _focus_leaves_the_boxes(page)
    page.keyboard.press("1")  # Reached
    page.get_by_role("heading", name="Satisfaction follow-up · Marta Galli").wait_for(state="detached")
    expect(page.locator(".call-key[data-key='n']")).to_be_focused()
    recorded = SatisfactionResponse.objects.get()
    assert (recorded.score, recorded.concern, recorded.channel) == (2, True, "phone")

    # The advisor finds the concern on the visit's page, waiting for them.
    page.context.clear_cookies()
    _log_in(page, "paola")
    page.goto(f"/d/milano/appointments/{visit.id}/")
    satisfaction = page.get_by_role("region", name="Customer satisfaction")
    assert "2/5" in satisfaction.inner_text()
    assert "The noise is back after two days." in satisfaction.inner_text()
    assert "for the advisor" in satisfaction.inner_text()
    assert satisfaction.get_by_role("button", name="Concern handled").is_visible()


def test_r9_1_operator_a_bad_comment_on_a_satisfaction_call_stays_with_the_focus_on_it(
    page, satisfaction_call
):
    from followups.models import SatisfactionResponse

    page.set_viewport_size(DESK_SCREEN)
    _log_in(page, "olga")
    page.goto("/d/milano/calls/")
    page.keyboard.press("n")
    page.get_by_role("heading", name="Satisfaction follow-up · Marta Galli").wait_for()
    # A comment without a score is refused on the score, in place, with the focus on it.
    page.get_by_label("Comment").fill("Nice people.")
    _focus_leaves_the_boxes(page)
    page.keyboard.press("1")
    page.get_by_text("Give a score from 1 to 5.").wait_for()
    expect(page.locator(":focus")).to_have_attribute("name", "score")
    assert page.get_by_label("Comment").input_value() == "Nice people."
    assert not SatisfactionResponse.objects.exists()
    assert not ContactRecord.objects.exists()

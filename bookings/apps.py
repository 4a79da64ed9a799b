from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # The lower apps' pages and warnings that show what is booked, without importing it.
        from bookings import privacy, receivers
        from bookings.desk_views import customer_appointments_section
        from customers.file_sections import customer_file_sections
        from workshop.capacity_warnings import advisor_maxima_saved

        customer_file_sections.register("bookings/_customer_appointments.html", customer_appointments_section)
        privacy.contributors_register()
        advisor_maxima_saved.connect(receivers.days_over_maximum, dispatch_uid="bookings.days_over_maximum")

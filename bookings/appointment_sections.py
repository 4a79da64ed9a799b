"""The sections that the apps above bookings add to the staff appointment page (its messages,
its mobility): each registers `(template, context)` in its AppConfig.ready(), where `context`
is called as `context(access, appointment)` and gives the template's `section`, or None."""

from dealerships.page_sections import PageSections

appointment_page_sections = PageSections()

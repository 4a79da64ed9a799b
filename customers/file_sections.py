"""The sections that the apps above the customer file add to its page (appointments, messages,
reservations): each registers `(template, context)` in its AppConfig.ready(), where `context` is
called as `context(access, customer, now)` and gives the template's `section`, or None."""

from dealerships.page_sections import PageSections

customer_file_sections = PageSections()

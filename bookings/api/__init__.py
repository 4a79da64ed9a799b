"""The bookings layer's REST API: appointments, and what is free (availability, workload)."""

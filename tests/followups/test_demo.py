from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from dealerships.models import Dealership
from followups.selectors import call_queue


def test_every_demo_dealership_has_calls_waiting_in_its_queue(db):
    call_command("demo_seed", "--if-empty", "--customers", "20", stdout=StringIO())
    for dealership in Dealership.objects.all():
        queue = call_queue(dealership=dealership, now=timezone.now())
        assert len(queue) >= 3, dealership.slug
        assert all(task.customer.dealership_id == dealership.id for task in queue)

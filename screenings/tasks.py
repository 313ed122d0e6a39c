"""Background work of the screenings: adding online views up (``screenings.rollups``)."""

from django.tasks import task

from screenings import rollups


@task(queue_name="default")
def roll_up_views() -> int:
    """Safe to run twice or at once with another: the roll-up waits for the other and then finds
    nothing left to add."""
    return rollups.views_roll_up()

"""``manage.py screenings_roll_up``: add the online views counted since the last roll-up into the
totals' roll-up now (the beacon asks for it every ``ROLL_UP_EVERY`` views; cron may too)."""

from django.core.management.base import BaseCommand

from screenings import rollups


class Command(BaseCommand):
    help = "Add the online views counted since the last roll-up into the totals' roll-up."

    def handle(self, *args, **options):
        self.stdout.write(f"rolled up: {rollups.views_roll_up()}")

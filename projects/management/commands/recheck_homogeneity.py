"""Check a call's topics again with today's vocabulary and thresholds, and report; writes nothing.

Flags are part of the pitch's record (the office approved or rejected knowing them), so a changed
vocabulary or threshold never rewrites them silently: this command says where today's check would
differ, and the office decides.
"""

from django.core.management.base import BaseCommand, CommandError

from projects import homogeneity, similarity
from projects.models import TopicCall


class Command(BaseCommand):
    help = "Re-check the homogeneity of a topic call's pitches and report the differences (read-only)."

    def add_arguments(self, parser):
        parser.add_argument("call", type=int, help="the topic call's id")
        parser.add_argument("--all", action="store_true", help="list every topic, not only those that changed")

    def handle(self, *args, call, **options):
        try:
            topic_call = TopicCall.objects.get(pk=call)
        except TopicCall.DoesNotExist:
            raise CommandError(f"No topic call {call}.") from None
        rows = homogeneity.recheck_call(topic_call)
        write = self.stdout.write
        write(f"Call {topic_call}: {len(rows)} topics; flagged ≥ {similarity.FLAG_THRESHOLD}, "
              f"close call ≥ {similarity.CLOSE_CALL_THRESHOLD}. Nothing is written.")
        changed = 0
        for row in rows:
            if not (row.changed or options["all"]):
                continue
            changed += row.changed
            stored = "flagged" if row.stored_flagged else "not flagged"
            now = "flagged" if row.now_flagged else "not flagged"
            mark = "CHANGED" if row.changed else "same"
            write(f"[{mark}] #{row.topic.pk} {row.topic.title}: stored {stored} "
                  f"(max {row.stored_max:.2f}, {len(row.stored)} matches), now {now}")
            for m in row.now:
                was = row.stored.get(m.key)
                before = f"stored {was[0]:.2f}" if was else "new"
                write(f"    {m.band:7} {m.score:.2f} #{m.key} {m.text} ({before})")
            for other, (score, _flagged) in row.stored.items():
                if other not in {m.key for m in row.now}:
                    write(f"    gone    {score:.2f} #{other} (stored, not found now)")
        write(f"{changed} of {len(rows)} topics would be judged differently today.")

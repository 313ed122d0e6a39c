"""How far a cut's processing has come, as one percentage across its steps, written to the cut's
row at a bounded rate.

Each ffmpeg step reports its own 0..1 (``media.ffmpeg.run``'s ``on_progress``, from ffmpeg's
``-progress`` output against the known duration); a plan gives each step its share of the whole,
so the bar never jumps back when a step ends and the next begins. Writes go through
``services.cut_progress`` (one UPDATE of progress and step) at most once per ``MIN_INTERVAL``
seconds: the cut page polls every 2 s and needs no more, and a long encode must not turn into a
stream of writes. The final 100 % is the "ready" UPDATE itself (``tasks._process``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from media.models import Cut

MIN_INTERVAL = 1.0  # seconds between two writes of one cut's progress

# Each step's share of the whole. A browser-ready source is remuxed (fast: I/O) and then decoded
# once for QC; any other source is encoded and measured in one decode. Storing the renditions
# ends both.
FAST_PLAN = ((Cut.Step.PREVIEW, 0.2), (Cut.Step.QC, 0.7), (Cut.Step.STORE, 0.1))
ENCODE_PLAN = ((Cut.Step.PREVIEW_QC, 0.9), (Cut.Step.STORE, 0.1))


class CutProgress:
    """``for_step(step)`` gives the ``on_progress`` callback of one step of the plan."""

    def __init__(self, cut_id: int, plan, *, write: Callable[..., None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        from media import services

        self.cut_id = cut_id
        self.plan = tuple(plan)
        self.write = write or services.cut_progress
        self.clock = clock
        self.fraction = 0.0
        self._last_write: float | None = None
        self._lock = threading.Lock()  # cheap insurance: a recipe may report from a helper thread

    def for_step(self, step: str) -> Callable[[float], None]:
        steps = [s for s, _ in self.plan]
        before = sum(share for s, share in self.plan[: steps.index(step)])
        share = dict(self.plan)[step]
        return lambda fraction: self.report(step, before + share * min(max(fraction, 0.0), 1.0))

    def report(self, step: str, fraction: float) -> None:
        with self._lock:
            if fraction < self.fraction:
                return  # never backwards
            self.fraction = fraction
            now = self.clock()
            if self._last_write is not None and now - self._last_write < MIN_INTERVAL:
                return
            self._last_write = now
        self.write(cut_id=self.cut_id, fraction=fraction, step=step)

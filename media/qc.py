"""Technical QC as data: what a deliverable must meet (``Targets``), what the filters measured
(``QCReport``, stored with the cut), and what is outside the targets (``Finding``: a code, a
severity, where, and the numbers; worded by ``finding_message`` in the reader's language when
read, never stored as a sentence). Pure: no ffmpeg, no database; ``pipeline`` does the measuring.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from django.utils.translation import gettext_lazy as _

from studio import words


@dataclass(frozen=True)
class Finding:
    """One thing QC found, as data: stored as it is and put into words (``message``) when read,
    in the reader's language. ``params`` holds the numbers the words need."""

    code: str  # no_audio, extra_audio, loudness, true_peak, black, silence, freeze, duration, resolution, fps
    severity: str  # "fail" or "warn"
    start: float | None
    end: float | None
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return finding_message(self.code, self.params)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(data["code"], data["severity"], data.get("start"), data.get("end"), data.get("params") or {})


FINDING_TEXTS = {
    "no_audio": _("The film has no sound track."),
    "extra_audio": _(
        "The file has %(tracks)s sound tracks: previews and QC use only the first. Deliver one mixed track."
    ),
    "loudness": _("Integrated loudness is %(value).1f LUFS; the target is %(target).0f ± %(tol).0f LUFS."),
    "true_peak": _("True peak is %(value).1f dBTP; it must not exceed %(limit).1f dBTP."),
    "black": _("Black picture for %(len).1f s (%(span)s)."),
    "silence": _("Silence for %(len).1f s (%(span)s)."),
    "freeze": _("Frozen picture for %(len).1f s (%(span)s)."),
    "duration": _("The film runs %(value)s; it must run between %(min)s and %(max)s."),
    "resolution": _("The picture is %(w)s×%(h)s; at least %(mw)s×%(mh)s is required."),
    "fps": _("The frame rate is %(value).2f fps; the project's spec is %(spec)s fps."),
    "min_fps": _("The frame rate is %(value).2f fps; at least %(min).2f fps is required."),
}


def finding_message(code: str, params: dict) -> str:
    """A finding in the active language. Times are stored in seconds and shown as m:ss.s here.
    Findings stored before they were data keep the sentence they were written with (``text``)."""
    if "text" in params:
        return params["text"]
    values = dict(params)
    if "span_start" in params:
        values["span"] = f"{_clock(params['span_start'])}–{_clock(params['span_end'])}"
    if code == "duration":  # running times in words (时长 10 秒 / 8 分钟), not a clock
        values.update(value=words.duration(params["value"]), min=words.duration(params["min"]),
                      max="∞" if params["max"] is None else words.duration(params["max"]))
    text = FINDING_TEXTS["min_fps" if code == "fps" and "min" in params else code]
    return str(text) % values


# Detectors measure to the millisecond: a stretch reported as 2.9996 s is as long as a 3 s threshold.
SEGMENT_TOLERANCE = 0.005


# 29.97 meets a 30 fps spec and 23.976 a 24 fps one (NTSC rates); 29.97 against 25 does not.
FPS_TOLERANCE = 0.002


@dataclass(frozen=True)
class Targets:
    """What a deliverable must meet. Defaults: EBU R128-style −24 ± 2 LUFS, true peak ≤ −1 dBTP."""

    integrated_lufs: float = -24.0
    lufs_tolerance: float = 2.0
    max_true_peak_dbtp: float = -1.0
    black_warn: float = 2.0
    black_fail: float = 10.0
    silence_warn: float = 3.0
    silence_fail: float = 10.0
    freeze_warn: float = 3.0
    freeze_fail: float = 10.0
    min_seconds: float | None = None
    max_seconds: float | None = None
    min_resolution: tuple[int, int] = (1280, 720)  # long side, short side (either orientation)
    min_fps: float = 23.9
    fps: float | None = None  # the project's frame rate, when it has one: the cut must match it
    require_audio: bool = True


def passing(findings: list[Finding]) -> bool:
    """QC passes when no finding fails (warnings are shown, they do not block)."""
    return not any(f.severity == "fail" for f in findings)


@dataclass(frozen=True)
class QCReport:
    duration: float
    width: int
    height: int
    fps: float
    has_audio: bool
    integrated_lufs: float | None  # None: no sound track
    true_peak_dbtp: float | None  # None: no sound track, or digital silence
    loudness_range_lu: float | None
    black: list[tuple[float, float]] = field(default_factory=list)
    silence: list[tuple[float, float]] = field(default_factory=list)
    freeze: list[tuple[float, float]] = field(default_factory=list)
    audio_tracks: int = 1  # sound tracks in the file; previews and QC take one

    def findings(self, targets: Targets | None = None) -> list[Finding]:
        """Everything outside ``targets``, as data. Passing = no "fail" finding. A stretch of black,
        silence or freeze as long as a threshold meets it (``SEGMENT_TOLERANCE``)."""
        t = targets or Targets()
        out: list[Finding] = []
        if not self.has_audio:
            if t.require_audio:
                out.append(Finding("no_audio", "warn", None, None))
        elif self.integrated_lufs is not None and abs(self.integrated_lufs - t.integrated_lufs) > t.lufs_tolerance:
            out.append(Finding("loudness", "fail", None, None, {
                "value": self.integrated_lufs, "target": t.integrated_lufs, "tol": t.lufs_tolerance}))
        if self.audio_tracks > 1:
            out.append(Finding("extra_audio", "warn", None, None, {"tracks": self.audio_tracks}))
        if self.true_peak_dbtp is not None and self.true_peak_dbtp > t.max_true_peak_dbtp:
            out.append(Finding("true_peak", "fail", None, None, {"value": self.true_peak_dbtp, "limit": t.max_true_peak_dbtp}))
        kinds = (
            ("black", self.black, t.black_warn, t.black_fail),
            ("silence", self.silence, t.silence_warn, t.silence_fail),
            ("freeze", self.freeze, t.freeze_warn, t.freeze_fail),
        )
        for code, segments, warn, fail in kinds:
            for start, end in segments:
                length = end - start
                if length + SEGMENT_TOLERANCE >= warn:
                    severity = "fail" if length + SEGMENT_TOLERANCE >= fail else "warn"
                    out.append(Finding(code, severity, start, end, {"len": length, "span_start": start, "span_end": end}))
        if (t.min_seconds is not None and self.duration < t.min_seconds) or (
            t.max_seconds is not None and self.duration > t.max_seconds
        ):
            out.append(Finding("duration", "fail", None, None, {
                "value": self.duration, "min": t.min_seconds or 0, "max": t.max_seconds}))
        long_side, short_side = max(self.width, self.height), min(self.width, self.height)
        if long_side < t.min_resolution[0] or short_side < t.min_resolution[1]:
            out.append(Finding("resolution", "fail", None, None, {
                "w": self.width, "h": self.height, "mw": t.min_resolution[0], "mh": t.min_resolution[1]}))
        if t.fps is not None and abs(self.fps - t.fps) > t.fps * FPS_TOLERANCE:
            out.append(Finding("fps", "fail", None, None, {"value": self.fps, "spec": f"{t.fps:g}"}))
        elif t.fps is None and self.fps < t.min_fps:
            out.append(Finding("fps", "fail", None, None, {"value": self.fps, "min": t.min_fps}))
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "QCReport":
        """The inverse of :meth:`as_dict`: judge a stored report again (another spec) without decoding."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("black", "silence", "freeze"):
            values[key] = [tuple(span) for span in values.get(key, [])]
        return cls(**values)

    def passed(self, targets: Targets | None = None) -> bool:
        return passing(self.findings(targets))

    def as_dict(self) -> dict:
        """JSON-safe (lists, finite floats or None)."""
        return asdict(self)


def _clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}"

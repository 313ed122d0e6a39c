"""Product policy on videos: what picture sizes Reelwork accepts at all, and what a browser can play
as it is (such a file gets a fast-start remux instead of a proxy). Pure: reads a ``Probe``, runs
nothing."""

MIN_SIDE, MAX_SIDE = 16, 8192
# Beyond this a proxy is cheaper to stream to a panelist than the camera original.
BROWSER_MAX_BIT_RATE = 20_000_000


def not_browser_ready_reasons(probe) -> list[str]:
    """Why browsers can't play the file of ``probe`` as it is (empty when they can). For logs, not users."""
    reasons = []
    if probe.video_codec != "h264":
        reasons.append(f"video codec {probe.video_codec}")
    if probe.pix_fmt not in ("yuv420p", "yuvj420p"):
        reasons.append(f"pixel format {probe.pix_fmt}")
    if probe.audio_codec not in (None, "aac"):
        reasons.append(f"audio codec {probe.audio_codec}")
    if not {"mp4", "mov"} & set(probe.format_names):
        reasons.append(f"container {','.join(probe.format_names)}")
    # A 1920x1080 box in either orientation: portrait phone video shot as 1080x1920 pixels plays.
    if max(probe.width, probe.height) > 1920 or min(probe.width, probe.height) > 1080:
        reasons.append(f"size {probe.width}x{probe.height}")
    if probe.rotation:
        reasons.append(f"rotated {probe.rotation}°")
    if not 0 < probe.fps <= 60:
        reasons.append(f"{probe.fps:g} fps")
    if abs(probe.sample_aspect_ratio - 1) > 0.01:
        reasons.append(f"non-square pixels ({probe.sample_aspect_ratio:.3f})")
    if probe.interlaced:
        reasons.append("interlaced")
    if probe.bit_rate and probe.bit_rate > BROWSER_MAX_BIT_RATE:
        reasons.append(f"bit rate {probe.bit_rate / 1e6:.0f} Mb/s")
    return reasons

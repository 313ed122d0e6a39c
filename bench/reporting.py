"""What every benchmark writes the same way: the line describing the machine a run was measured on,
and its block in RESULTS.md (replaced on a re-run; other sections and blocks stay as they are)."""

import datetime as dt
import os
import platform
import re
from pathlib import Path

HEADER = "# Benchmark results\n\nWritten by the scripts in bench/ (see bench/README.md).\n"


def machine(*extras: str, load_start=None) -> str:
    """``Run: <when> · nproc · CPU · RAM · Python · <extras> · load average …`` (the load at the end is
    read now)."""
    cpu, mem = platform.processor() or "unknown", ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, AttributeError):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if load_start is not None:
        load = f"{' '.join(f'{x:.2f}' for x in load_start)} at the start, {load}"
    parts = [f"Run: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", f"nproc {os.cpu_count()}", f"CPU {cpu}",
             *([mem] if mem else []), f"Python {platform.python_version()}", *extras, f"load average {load} at the end"]
    return " · ".join(parts) + "."


def write_block(path: Path, *, section: str, key: str, intro: str, block: str) -> None:
    """Put ``block`` between ``<!-- key:start -->`` and ``<!-- key:end -->`` in ``path``: in place of
    the previous block of that key, else at the end of ``section`` (a ``## `` heading), else in a new
    section with ``intro`` at the end of the file."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    marked = f"{start}\n{block.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if start in text and end in text:
        text = text[: text.index(start)] + marked + text[text.index(end) + len(end):]
    elif section in text:
        at = text.index(section) + len(section)
        following = text.find("\n## ", at)
        following = len(text) if following == -1 else following
        text = text[:following].rstrip() + "\n\n" + marked + "\n" + text[following:]
    else:
        text = text.rstrip() + f"\n\n{section}\n\n{intro}\n\n{marked}\n"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

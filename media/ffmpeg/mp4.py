"""Telling a cut-off MP4/MOV from a file that is not a video, from a few header bytes: ffprobe says
only "can't read" for both, and the uploader needs to hear which. ``read_range(first, last)``
returns bytes of the file, local or in the bucket."""

# Containers whose files start with an ISO-BMFF box; a file that starts like one but that ffprobe
# cannot open was cut short (the index, "moov", is written last unless the file is fast-start).
_MP4_BOX_TYPES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"sidx", b"moof"}


def starts_like_mp4(read_range, size: int) -> bool:
    head = read_range(0, min(7, size - 1))
    return len(head) == 8 and head[4:8] in _MP4_BOX_TYPES


def mp4_box_overruns(read_range, size: int) -> bool:
    """True when a top-level box claims more bytes than the file has (a cut-off fast-start file)."""
    offset = 0
    for _i in range(10_000):
        if offset + 8 > size:
            return offset != size
        header = read_range(offset, min(offset + 15, size - 1))
        box_size = int.from_bytes(header[0:4], "big")
        if box_size == 1 and len(header) >= 16:
            box_size = int.from_bytes(header[8:16], "big")
        elif box_size == 0:  # runs to the end of the file
            return False
        if box_size < 8:
            return False  # not a box structure we understand; let ffmpeg judge
        offset += box_size
    return offset > size

"""Storyboard frames: what an uploaded picture must be, and the thumbnail made of it.

A frame is judged by what Pillow reads in it, never by its name or the content type the browser
sent: a file that is no JPEG, PNG or WebP picture is refused with a message saying so, and the
stored name takes the extension of the format read (``Shot.frame``'s key is made by the server),
so the frame view answers with the right type. The thumbnail is a small JPEG made here, on the
server, once per upload; the editor and the exhibit show it, and the frame opens full size.
"""

import io

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from studio import limits
from studio.errors import Invalid

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ACCEPT = "image/jpeg,image/png,image/webp"  # the file picker's hint; the check is check() below


def check(upload) -> str:
    """The file extension of ``upload``'s picture format; raises ``Invalid`` with what is wrong."""
    name = getattr(upload, "name", "") or _("the file")
    if upload.size > limits.FRAME_BYTES:
        raise Invalid(_("“%(name)s” is %(size)s MB; a frame may be at most %(max)s MB.")
                      % {"name": name, "size": round(upload.size / 1024**2, 1), "max": limits.FRAME_BYTES // 1024**2})
    try:
        upload.seek(0)
        with Image.open(upload) as image:  # reads the header only
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind, width, height = None, 0, 0
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise Invalid(_("“%(name)s” is not a picture: a frame is a JPEG, PNG or WebP image.") % {"name": name})
    if width * height > limits.FRAME_PIXELS:
        raise Invalid(_("“%(name)s” is %(w)s×%(h)s pixels; a frame may have at most %(mp)s megapixels.")
                      % {"name": name, "w": width, "h": height, "mp": limits.FRAME_PIXELS // 1_000_000})
    return FORMATS[kind]


def prepare(upload) -> tuple:
    """``(frame, thumbnail)`` to store for an uploaded picture: the upload itself, named by its
    format, and a JPEG that fits in ``limits.THUMBNAIL_PX`` square. Raises ``Invalid`` as
    :func:`check` does, or when the picture cannot be decoded after all."""
    ext = check(upload)
    box = (limits.THUMBNAIL_PX, limits.THUMBNAIL_PX)
    try:
        with Image.open(upload) as image:
            image.draft("RGB", box)  # a JPEG decodes at a fraction of its size: fast for big photos
            small = ImageOps.exif_transpose(image)
            small.thumbnail(box)
            if small.mode in ("RGBA", "LA", "P"):
                small = small.convert("RGBA")
                flat = Image.new("RGB", small.size, "white")
                flat.paste(small, mask=small.getchannel("A"))
                small = flat
            buffer = io.BytesIO()
            small.convert("RGB").save(buffer, format="JPEG", quality=82, optimize=True)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid(_("“%(name)s” could not be read as a picture.") % {"name": upload.name}) from exc
    finally:
        upload.seek(0)
    upload.name = f"frame.{ext}"
    return upload, ContentFile(buffer.getvalue(), name="thumbnail.jpg")

"""Every uploaded picture (employer logos now, profile photos later) goes through here."""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class ProcessedImage:
    content: "ContentFile[bytes]"
    width: int
    height: int


def process_image(upload: UploadedFile, *, fit_within: int) -> ProcessedImage:
    """Verify an untrusted upload and return a fresh PNG without metadata, fitted in a square.

    Re-encoding from pixels drops EXIF (GPS included), ICC tricks and trailing payloads.
    """
    if upload.size is not None and upload.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The picture is too large: at most %(mb)d MB.")
            % {"mb": settings.LOGO_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("This file is not a picture we can read. Use a JPEG, PNG or WebP image."),
            code="not_an_image",
        ) from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("The picture has too many pixels."), code="too_many_pixels"
        ) from exc
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("Use a JPEG, PNG or WebP image."),
            code="unsupported_format",
        )
    if max(width, height) > settings.LOGO_MAX_SIDE or width * height > settings.LOGO_MAX_PIXELS:
        raise ValidationError(
            _("The picture is %(w)d×%(h)d pixels: at most %(max)d pixels per side.")
            % {"w": width, "h": height, "max": settings.LOGO_MAX_SIDE},
            code="too_many_pixels",
        )
    # verify() leaves the image unusable and checks only the header: decode it all now, where a
    # truncated or corrupt body still gets the same plain answer.
    try:
        with Image.open(io.BytesIO(data)) as decoded:
            upright = ImageOps.exif_transpose(decoded).convert("RGBA")
    except OSError as exc:
        raise ValidationError(
            _("This file is not a picture we can read. Use a JPEG, PNG or WebP image."),
            code="not_an_image",
        ) from exc
    upright.thumbnail((fit_within, fit_within), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, format="PNG", optimize=True)
    return ProcessedImage(ContentFile(out.getvalue()), upright.width, upright.height)

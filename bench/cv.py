"""CV files: how long reading and checking takes, and how much memory refusing a bomb costs.

Timings: `read_cv` + `check_cv` (what an upload does before storing) on a 2-page and a 20-page
PDF, a Europass XML CV, and the photo's sanitising (`process_image` for the photo and its
thumbnail, as `profile_photo_set` does) of a 12-megapixel JPEG carrying GPS EXIF; each against
the bare library work on the same bytes in the same run (pypdf text extraction, ElementTree
parse, Pillow decode and PNG encode). Memory: a fresh interpreter with Django loaded rejects a
30,000 by 30,000 PNG and a billion-laughs XML; `bomb_peak_mb` is its peak resident size, beside
its size before the bombs.
"""

import io
import os
import resource
import statistics
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date
from typing import Any

from bench._report import report
from bench._stack import in_fresh_interpreter, setup_django

RUNS = 7
PHOTO_SIZE = (4000, 3000)
TARGET_PDF20_MS = 1_000
TARGET_BOMB_PEAK_MB = 200
LINES = [
    "Curriculum vitae",
    "Mario Rossi, via Toledo 10, 80134 Napoli",
    "mario.rossi@example.org +39 333 123 4567",
    "Esperienza: sviluppatore Python presso Vesuvio Cloud S.r.l. (2019-2025)",
    "Istruzione: laurea in informatica, Universita Federico II (2018)",
    "Lingue: inglese B2, tedesco A2",
] * 6


def _median_ms(work: Callable[[], object]) -> float:
    work()  # warm-up: imports, caches
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _photo() -> bytes:
    from PIL import Image

    # 12 megapixels of smooth areas, fine detail and sensor-like noise: decoding cost goes by pixels.
    gradient = Image.linear_gradient("L").resize(PHOTO_SIZE)
    detail = Image.effect_mandelbrot(PHOTO_SIZE, (-2.0, -1.2, 1.0, 1.2), 100)
    noise = Image.effect_noise(PHOTO_SIZE, 20)
    image = Image.merge("RGB", [gradient, detail, noise])
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 51.0, 0.0)}  # GPSInfo: Naples
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


def timings(database_url: str) -> dict[str, float]:
    setup_django(database_url)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image
    from pypdf import PdfReader

    from candidates.cv.checks import check_cv
    from candidates.cv.reader import read_cv
    from candidates.services import PHOTO_SIZE as STORED_SIZE
    from candidates.services import PHOTO_THUMBNAIL_SIZE
    from fairplatform.images import process_image
    from tests import cv_samples

    def read_and_check(data: bytes) -> Callable[[], object]:
        def work() -> object:
            parsed = read_cv(data)
            return check_cv(parsed.cv, account_name="Mario Rossi", today=date(2026, 11, 26))

        return work

    def bare_pdf_text(data: bytes) -> Callable[[], object]:
        return lambda: [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]

    photo = _photo()

    def sanitise() -> object:
        upload = SimpleUploadedFile("me.jpg", photo)
        process_image(upload, fit_within=STORED_SIZE)
        upload.seek(0)
        return process_image(upload, fit_within=PHOTO_THUMBNAIL_SIZE)

    def bare_photo() -> object:
        with Image.open(io.BytesIO(photo)) as image:
            image.load()
            image.save(io.BytesIO(), format="PNG")
        return image

    pdf2 = cv_samples.plain_pdf(LINES, pages=2)
    pdf20 = cv_samples.plain_pdf(LINES, pages=20)
    xml = cv_samples.europass_candidate_xml()
    return {
        "pdf2_ms": _median_ms(read_and_check(pdf2)),
        "pdf2_bare_ms": _median_ms(bare_pdf_text(pdf2)),
        "pdf20_ms": _median_ms(read_and_check(pdf20)),
        "pdf20_bare_ms": _median_ms(bare_pdf_text(pdf20)),
        "europass_xml_ms": _median_ms(read_and_check(xml)),
        "europass_xml_bare_ms": _median_ms(lambda: ET.fromstring(xml)),  # noqa: S314
        "photo_ms": _median_ms(sanitise),
        "photo_bare_ms": _median_ms(bare_photo),
        "photo_mb": len(photo) / 1e6,
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bombs(database_url: str) -> dict[str, Any]:
    setup_django(database_url)
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from candidates.cv.reader import read_cv
    from fairplatform.errors import DomainError
    from fairplatform.images import process_image
    from tests import cv_samples

    png, laughs = cv_samples.huge_png(), cv_samples.billion_laughs()
    before = _peak_mb()
    refused = []
    try:
        process_image(SimpleUploadedFile("me.png", png), fit_within=512)
    except ValidationError as exc:
        refused.append(exc.code)
    try:
        read_cv(laughs)
    except DomainError as exc:
        refused.append(exc.code)
    return {"before_mb": before, "bomb_peak_mb": _peak_mb(), "refused": refused}


def main() -> None:
    url = os.environ["DATABASE_URL"]
    measured = in_fresh_interpreter(timings, url)
    memory = in_fresh_interpreter(bombs, url)
    assert len(memory["refused"]) == 2, memory

    def row(what: str, key: str, baseline: str, target: str = "") -> list[str]:
        ours, bare = measured[key], measured[f"{key[:-3]}_bare_ms"]
        return [what, f"{ours:.1f}", baseline, f"{bare:.1f}", f"{ours / bare:.2f}×", target]

    rows = [
        row("2-page PDF: read + check", "pdf2_ms", "pypdf text of the same file"),
        row(
            "20-page PDF: read + check",
            "pdf20_ms",
            "pypdf text of the same file",
            f"< {TARGET_PDF20_MS:,} ms",
        ),
        row("Europass XML CV: read + check", "europass_xml_ms", "ElementTree parse"),
        row(
            f"12 MP JPEG ({measured['photo_mb']:.1f} MB, GPS EXIF): photo + thumbnail",
            "photo_ms",
            "Pillow decode + PNG encode",
        ),
    ]
    print_rows = [
        *rows,
        [
            "refusing a 30k × 30k PNG and a billion-laughs XML: peak RSS MB",
            f"{memory['bomb_peak_mb']:.0f}",
            "the same interpreter before them",
            f"{memory['before_mb']:.0f}",
            f"{memory['bomb_peak_mb'] / memory['before_mb']:.2f}×",
            f"≤ {TARGET_BOMB_PEAK_MB} MB",
        ],
    ]
    report(
        "cv",
        ["work", "ours ms / MB", "baseline", "baseline ms / MB", "vs baseline", "target"],
        print_rows,
        {
            "pdf2_ms": round(measured["pdf2_ms"], 1),
            "pdf20_ms": round(measured["pdf20_ms"], 1),
            "europass_xml_ms": round(measured["europass_xml_ms"], 1),
            "photo_ms": round(measured["photo_ms"], 1),
            "bomb_peak_mb": round(memory["bomb_peak_mb"], 1),
        },
    )

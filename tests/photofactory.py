"""Synthetic photos for tests: JPEGs with chosen EXIF time, offset, GPS (good or broken), orientation, comments."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, TiffImagePlugin

R = TiffImagePlugin.IFDRational


def dms(value: float) -> tuple:
    """Degrees as EXIF (degrees, minutes, seconds) rationals."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (R(degrees, 1), R(minutes, 1), R(round(seconds * 10000), 10000))


def jpeg(*, taken: datetime | None = None, offset: str | None = None, lat: float | None = None,
         lon: float | None = None, gps: dict | None = None, size: tuple[int, int] = (96, 64),
         orientation: int | None = None, comment: bytes | None = None, trailer: bytes = b"",
         camera: tuple[str, str] = ("TestCam", "T1"), colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """Make a JPEG; gps (a raw GPS IFD dict) overrides lat/lon for broken-GPS cases."""
    image = Image.new("RGB", size, colour)
    image.paste((20, 20, 20), (0, 0, size[0] // 4, size[1] // 4))  # a dark top-left corner, to check orientation
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = camera
    if orientation:
        exif[0x0112] = orientation
    exif_ifd = {}
    if taken is not None:
        exif_ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if offset is not None:
        exif_ifd[0x9011] = offset
    if exif_ifd:
        exif[0x8769] = exif_ifd
    if gps is None and lat is not None and lon is not None:
        gps = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    if gps is not None:
        exif[0x8825] = gps
    out = io.BytesIO()
    params = {"exif": exif, "quality": 90}
    if comment is not None:
        params["comment"] = comment
    image.save(out, "JPEG", **params)
    return out.getvalue() + trailer


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    """Make a plain PNG."""
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 90, 255)).save(out, "PNG")
    return out.getvalue()

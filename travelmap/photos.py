"""Image bytes -> EXIF time and GPS, upright EXIF-free derivatives (Pillow). No Flask here."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from struct import error as struct_error
from typing import SupportsFloat, SupportsIndex
from zoneinfo import ZoneInfo

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput, TooLarge, UnsupportedType
from .geo import zone_at
from .notes import Note

pillow_heif.register_heif_opener()

# The content decides the type: Pillow may only try these decoders, whatever the file is called.
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heif"}
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}
NAME_SUFFIXES = {
    "JPEG": {".jpg", ".jpeg", ".jpe"},
    "PNG": {".png"},
    "WEBP": {".webp"},
    "HEIF": {".heic", ".heif", ".hif"},
}
THUMB_PX = 400
DISPLAY_PX = 1600
DISPLAY_FILTER = Image.Resampling.BILINEAR
DAMAGED = "The image is damaged or truncated and cannot be decoded."  # Pillow's own words would mean nothing

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _SUBSEC_ORIGINAL = 0x9003, 0x9011, 0x9291


@dataclass
class PhotoInfo:
    """What a photo file says about itself."""

    format: str
    content_type: str
    width: int
    height: int
    taken_at: datetime | None = None  # aware, UTC
    utc_offset_min: int | None = None
    lat: float | None = None
    lon: float | None = None
    altitude_m: float | None = None
    camera: str = ""
    warnings: list[Note] = field(default_factory=list)


def _rational(value: object) -> float:
    """Turn an EXIF rational (IFDRational, tuple or number) into a float (NaN for x/0)."""
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        return float(num) / float(den) if den else math.nan
    if not isinstance(value, (str, SupportsFloat, SupportsIndex)):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan


def _dms(value: object) -> float:
    """Turn EXIF degrees/minutes/seconds into decimal degrees (NaN when malformed)."""
    if not isinstance(value, (tuple, list)):
        return math.nan
    try:
        d, m, s = (_rational(v) for v in value)
    except (TypeError, ValueError):
        return math.nan
    return d + m / 60 + s / 3600


def read_gps(gps: dict, info: PhotoInfo) -> None:
    """Fill lat/lon/altitude from a GPS IFD, or leave them empty with a warning saying why."""
    if not gps or (2 not in gps and 4 not in gps):
        return
    lat_ref, lon_ref = gps.get(1), gps.get(3)
    if isinstance(lat_ref, bytes):
        lat_ref = lat_ref.decode("ascii", "replace")
    if isinstance(lon_ref, bytes):
        lon_ref = lon_ref.decode("ascii", "replace")
    lat_ref = (lat_ref or "").strip("\x00 ").upper()
    lon_ref = (lon_ref or "").strip("\x00 ").upper()
    if lat_ref not in {"N", "S"} or lon_ref not in {"E", "W"}:
        info.warnings.append(Note("gps_no_hemisphere", "The GPS position lacks its hemisphere references (N/S, E/W), "
                                  "so it was ignored."))
        return
    lat, lon = _dms(gps.get(2)), _dms(gps.get(4))
    if not (math.isfinite(lat) and math.isfinite(lon)):
        info.warnings.append(Note("gps_malformed", "The GPS position is malformed (zero denominators or missing "
                                  "values), so it was ignored."))
        return
    lat = -lat if lat_ref == "S" else lat
    lon = -lon if lon_ref == "W" else lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        info.warnings.append(Note("gps_out_of_range", f"The GPS position {lat:.5f}, {lon:.5f} is out of range, so "
                                  "it was ignored."))
        return
    if lat == 0 and lon == 0:
        info.warnings.append(Note("gps_no_fix", "The GPS position is 0, 0 (a camera without a fix), so it was "
                                  "ignored."))
        return
    info.lat, info.lon = round(lat, 7), round(lon, 7)
    if 6 in gps:
        alt = _rational(gps[6])
        if math.isfinite(alt):
            info.altitude_m = -alt if gps.get(5) in (1, b"\x01") else alt


def _parse_offset(text: str) -> timedelta | None:
    """Parse an EXIF offset such as '+08:00' (None unless it is a real one, -12:00 to +14:00)."""
    text = text.strip("\x00 ")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":" or not (text[1:3] + text[4:6]).isdigit():
        return None
    hours, minutes = int(text[1:3]), int(text[4:6])
    if minutes > 59 or hours * 60 + minutes > 14 * 60:
        return None
    return timedelta(minutes=-(hours * 60 + minutes) if text[0] == "-" else hours * 60 + minutes)


def _format_offset(offset: timedelta) -> str:
    """Format an offset as +HH:MM."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def read_time(exif_ifd: dict, info: PhotoInfo, fallback_tz: str | None,
              fallback_source: str = "the trip's time zone") -> None:
    """Fill taken_at (UTC) and the local offset from DateTimeOriginal, its sub-seconds and offset."""
    raw = exif_ifd.get(_DATETIME_ORIGINAL)
    if not raw:
        return
    try:
        local = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        info.warnings.append(Note("time_unreadable", f"The photo's time {raw!r} could not be read."))
        return
    subsec = str(exif_ifd.get(_SUBSEC_ORIGINAL, "")).strip("\x00 ")
    if subsec.isdigit():
        local += timedelta(seconds=float("0." + subsec))
    offset_text = str(exif_ifd.get(_OFFSET_TIME_ORIGINAL, "")).strip("\x00 ")
    offset = _parse_offset(offset_text)
    if offset is None and offset_text:
        info.warnings.append(Note(
            "offset_invalid",
            f"The photo's time offset {offset_text[:20]!r} is not a real UTC offset, so it was ignored.",
        ))
    if offset is not None and info.lat is not None:
        zone_name = zone_at(info.lat, info.lon)
        if zone_name:
            expected = local.replace(tzinfo=ZoneInfo(zone_name)).utcoffset()
            if expected is not None and expected != offset:
                info.warnings.append(Note(
                    "offset_disagrees",
                    f"The photo's time offset ({_format_offset(offset)}) does not match the time zone at its GPS "
                    f"position ({zone_name}, {_format_offset(expected)}); the recorded offset was used.",
                ))
    if offset is None:
        zone_name = zone_at(info.lat, info.lon) if info.lat is not None else None
        source = "the photo's GPS position"
        if zone_name is None:
            zone_name, source = fallback_tz, fallback_source
        if zone_name is None:
            info.warnings.append(Note("time_taken_as_utc", "The photo's time has no offset and no place to infer "
                                      "one; it was taken as UTC."))
            zone_name = "UTC"
        else:
            info.warnings.append(Note(
                "time_zone_guessed",
                f"The photo's time has no offset; it was read as local time in {zone_name} (from {source}).",
            ))
        aware = local.replace(tzinfo=ZoneInfo(zone_name))
        offset = aware.utcoffset() or timedelta(0)
    try:
        info.taken_at = (local - offset).replace(tzinfo=timezone.utc)
    except OverflowError:  # 0001:01:01 00:00:00 at +08:00 was in year 0 in UTC
        info.warnings.append(Note("time_out_of_range", f"The photo's time {raw!r} is out of range, so it was ignored."))
        return
    info.utc_offset_min = int(offset.total_seconds() // 60)


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open image bytes by content (never by name), refusing oversized or non-image data before decoding."""
    if not data:
        raise InvalidInput("The file is empty.", code="invalid_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses past its own limit whatever ours is: name the lower of the two, which is true.
        limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
        raise TooLarge(
            f"The image claims more than {_megapixels(limit)} megapixels; it was refused.", code="image_too_large"
        ) from exc
    except UnidentifiedImageError:
        raise UnsupportedType("This file is not a JPEG, HEIC, PNG or WebP image.", code="not_an_image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidInput(DAMAGED, code="invalid_image") from exc
    if image.width * image.height > max_pixels:
        raise TooLarge(
            f"The image is {image.width}×{image.height} pixels, over the limit of "
            f"{_megapixels(max_pixels)} megapixels; it was refused.",
            code="image_too_large",
        )
    return image


def _megapixels(pixels: int) -> str:
    """Write a pixel limit in whole megapixels (or a fraction of one, for tiny test limits)."""
    return f"{pixels / 1_000_000:.3g}" if pixels < 1_000_000 else str(pixels // 1_000_000)


@dataclass
class Analysed:
    """A validated photo: what it says about itself and its two EXIF-free derivatives."""

    info: PhotoInfo
    display: bytes
    thumb: bytes


def _read_metadata(image: Image.Image, name: str, fallback_tz: str | None,
                   fallback_source: str = "the trip's time zone") -> PhotoInfo:
    """Read size, camera, GPS and time from the image header and EXIF."""
    fmt = image.format or ""
    try:
        exif = image.getexif()  # a PNG may keep its EXIF after the pixels: this decodes it
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidInput(DAMAGED, code="invalid_image") from exc
    width, height = image.size
    if exif.get(0x0112) in (5, 6, 7, 8):
        width, height = height, width
    info = PhotoInfo(format=fmt, content_type=CONTENT_TYPES[fmt], width=width, height=height)
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix and suffix not in NAME_SUFFIXES[fmt]:
        info.warnings.append(Note("wrong_suffix", f"The file is named {suffix} but is a {fmt} image; it was read as "
                                  f"{fmt}."))
    try:
        make = str(exif.get(0x010F, "") or "").strip("\x00 ")
        model = str(exif.get(0x0110, "") or "").strip("\x00 ")
        info.camera = f"{make} {model}".strip()[:200]
        read_gps(dict(exif.get_ifd(_GPS_IFD)), info)
        read_time(dict(exif.get_ifd(_EXIF_IFD)), info, fallback_tz, fallback_source)
    except (KeyError, ValueError, TypeError, RecursionError, OSError, struct_error) as exc:
        info.warnings.append(Note("exif_damaged", f"The photo's EXIF data is damaged and was ignored "
                                  f"({exc.__class__.__name__})."))
    return info


def analyse(data: bytes, *, max_pixels: int, name: str = "", fallback_tz: str | None = None,
            fallback_source: str = "the trip's time zone") -> Analysed:
    """Validate a photo by decoding it fully, once, and make its display copy and thumbnail from that decode.

    A JPEG is decoded at reduced size with Image.draft (DCT scaling: every byte of the file is still
    decoded, so truncation is caught), which makes a 12-megapixel photo several times cheaper.
    """
    image = open_image(data, max_pixels)
    info = _read_metadata(image, name, fallback_tz, fallback_source)
    if image.format == "JPEG":
        image.draft("RGB", draft_size(image.size, DISPLAY_PX))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(DAMAGED, code="invalid_image") from exc
    upright = ImageOps.exif_transpose(image)  # orientation applied once; the result carries no EXIF
    if upright.mode not in ("RGB", "L"):
        if upright.mode in ("RGBA", "LA", "P", "PA"):
            background = Image.new("RGB", upright.size, (255, 255, 255))
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        else:
            upright = upright.convert("RGB")
    display = upright.copy()
    # After draft the remaining reduction is at most 2x, where Pillow's (antialiased) bilinear filter looks
    # like Lanczos at half the cost; the thumbnail is small, so it gets Lanczos.
    display.thumbnail((DISPLAY_PX, DISPLAY_PX), DISPLAY_FILTER)
    thumb = display.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
    return Analysed(info=info, display=_jpeg(display), thumb=_jpeg(thumb))


def draft_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """Return the size a copy whose longest side is `longest` will have (what to ask Image.draft for).

    draft() only scales down while both sides stay at or above the request, so asking for a square box
    would keep a 4000×3000 photo at full size; asking for 1600×1200 lets it decode at half size.
    """
    width, height = size
    factor = min(1.0, longest / max(width, height))
    return max(1, int(width * factor)), max(1, int(height * factor))


def _jpeg(image: Image.Image) -> bytes:
    """Encode a published copy: JPEG with no EXIF, no comment, nothing after the image."""
    image.info.clear()  # Pillow would carry a JPEG comment (and more) over from the source
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def read_photo(
    data: bytes, *, max_pixels: int, name: str = "", fallback_tz: str | None = None
) -> tuple[Image.Image, PhotoInfo]:
    """Read a photo's metadata (header and EXIF only; analyse() validates and decodes)."""
    image = open_image(data, max_pixels)
    return image, _read_metadata(image, name, fallback_tz)

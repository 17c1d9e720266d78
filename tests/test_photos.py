"""Reading photos: EXIF time and GPS, refusing non-images and bombs, EXIF-free derivatives."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from travelmap import photos
from travelmap.errors import TooLarge, UnsupportedType

from .conftest import DATA_DIR

LIMIT = 60_000_000


def test_demo_photos_carry_time_with_offset_and_gps_but_one_has_no_gps():
    infos = [
        photos.read_photo(p.read_bytes(), max_pixels=LIMIT)[1] for p in sorted((DATA_DIR / "photos").glob("*.jpg"))
    ]
    assert len(infos) == 8
    assert all(i.taken_at is not None and i.utc_offset_min == 480 for i in infos)
    assert sum(1 for i in infos if i.lat is None) == 1  # placed from the track when imported
    assert sum(1 for i in infos if i.lat is not None) == 7


def test_derivatives_are_upright_small_and_carry_no_exif():
    data = (DATA_DIR / "photos" / "03-xilamuren-grassland.jpg").read_bytes()
    analysed = photos.analyse(data, max_pixels=LIMIT)
    thumb = Image.open(io.BytesIO(analysed.thumb))
    assert max(thumb.size) <= photos.THUMB_PX and thumb.height > thumb.width  # portrait stays portrait
    assert not thumb.getexif() and "comment" not in thumb.info


def test_a_text_file_named_jpg_is_refused_as_not_an_image():
    with pytest.raises(UnsupportedType, match="not a JPEG, HEIC, PNG or WebP"):
        photos.analyse(b"this is not a photo", max_pixels=LIMIT)


def test_a_tiny_file_claiming_ten_thousand_pixels_square_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 10_000, 10_000)
    with pytest.raises(TooLarge, match="megapixels"):
        photos.analyse(bytes(data), max_pixels=LIMIT)


# (file, lat, lon) from the corpus MANIFEST; None where the manifest says there is no usable location.
CORPUS_PHOTOS = [
    ("mdx__Apple_iPhone_4.jpg", 41.853, 12.4888333),
    ("mdx__HTC_Desire.jpg", 45.5006667, 9.1103333),
    ("mdx__Sony_DSC-HX5V_2.jpg", 51.778615, 8.3656381),
    ("goexif__gps-2000-scaled.jpg", -38.4051948, 144.188958),
    ("exifsamples__DSCN0010.jpg", 43.4674483, 11.8851267),
    ("mdx__Samsung_GT-I9000_Galaxy_S.jpg", None, None),
    ("mdx__Nikon_D5000.jpg", None, None),
    ("exifsamples__jolla.jpg", None, None),
]


@pytest.mark.parametrize("name, lat, lon", CORPUS_PHOTOS, ids=[c[0] for c in CORPUS_PHOTOS])
def test_real_world_photos_give_the_manifest_location(name, lat, lon, require_corpus):
    _, info = photos.read_photo((require_corpus / "photos" / name).read_bytes(), max_pixels=LIMIT)
    if lat is None:
        assert info.lat is None and info.lon is None
    else:
        assert abs(info.lat - lat) < 1e-5 and abs(info.lon - lon) < 1e-5

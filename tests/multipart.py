"""Uploads through the test client without leaking a temporary file."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


def multipart(data: bytes, name: str, field: str = "file") -> dict:
    """Return post() arguments that send a file as a multipart body already in memory.

    The test client spools a multipart body of over 500 KB that it encodes itself to a temporary file and never
    closes it, which pytest (every warning an error) reports as an unclosed file in whatever test runs next.
    """
    boundary, body = encode_multipart({field: FileStorage(io.BytesIO(data), filename=name)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}

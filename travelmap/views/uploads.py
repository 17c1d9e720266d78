"""Reading the files of a multipart upload: one helper for the workspace forms and the API."""

from __future__ import annotations

from flask import request

from ..errors import InvalidInput, UnsupportedType
from ..text import clean_filename


def uploaded_files(field: str = "file") -> list[tuple[str, bytes]]:
    """Return (file name, bytes) of each file sent in a multipart field; 415/400 when there are none."""
    if not request.mimetype.startswith("multipart/form-data"):
        raise UnsupportedType(f"Send the file as multipart/form-data in the field '{field}'.", code="not_multipart")
    files = [f for f in request.files.getlist(field) if f and (f.filename or f.content_length)]
    if not files and not request.files and not request.form and request.content_length:
        # Werkzeug drops a whole multipart body it cannot read, e.g. one whose file name is not UTF-8.
        raise InvalidInput(f"The upload could not be read as multipart/form-data; send the file in the field "
                           f"'{field}' with a UTF-8 file name.", field=field)
    if not files:
        raise InvalidInput(f"No file was sent: put it in the multipart field '{field}'.", field=field)
    return [(clean_filename(f.filename), f.read()) for f in files]

"""The warm-serving baseline: a Flask route that returns the trip page's (gzipped) bytes from memory."""

import os

from flask import Flask, Response

app = Flask(__name__)
PAGE = open(os.environ["BENCH_PAGE"], "rb").read()


@app.get("/")
def page() -> Response:
    """Return the same bytes the trip page serves, straight from memory."""
    response = Response(PAGE, mimetype="text/html")
    response.headers["Content-Encoding"] = "gzip"
    return response

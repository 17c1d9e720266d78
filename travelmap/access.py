"""Who may do what: sessions for the workspace (Flask-Login), bearer tokens for the API, ownership.

Access rules are decorators on the routes:
- `author_required`      workspace pages: anonymous readers are sent to the login page.
- `token_required`       API routes: a valid `Authorization: Bearer` token, else 401 (cookies never count).
- `owns_trip`, `owns_post`  load the object named in the URL: 404 if missing, 403 if someone else's.
- `login_attempts`       Flask-Limiter: failed log-ins are counted per client address and slowed to a stop.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required
from sqlalchemy import select

from . import db
from .errors import Forbidden, NotFound, Unauthorized
from .models import Author, Post
from .services.accounts import token_author
from .services.trips import trip_by_slug

login_manager = LoginManager()
login_manager.login_view = "author.login"
login_manager.login_message = "Please log in to use the workspace."
login_manager.login_message_category = "info"

author_required = login_required

# Only failed attempts count (401), so an author who types the password right is never held up.
# Counters live in TRAVELMAP_RATELIMIT_STORAGE: memory:// keeps them per worker process; a shared
# store (redis://, memcached://) makes the limit exact across several workers or machines.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
LOGIN_LIMITS = "10 per minute; 100 per day"


def _failed(response: Response) -> bool:
    return response.status_code == 401


login_attempts = limiter.limit(LOGIN_LIMITS, methods=["POST"], deduct_when=_failed,
                               error_message="Too many failed log-ins from your address. Wait a minute and try again.")


@login_manager.user_loader
def _load_author(author_id: str) -> Author | None:
    """Load the logged-in author for Flask-Login."""
    try:
        return db.session().get(Author, int(author_id))
    except ValueError:
        return None


def acting_author() -> Author:
    """Return the author of this request (token for the API, session for the workspace)."""
    author = g.get("api_author") or (current_user._get_current_object() if current_user.is_authenticated else None)
    if not isinstance(author, Author):
        raise Unauthorized("Log in or send an API token.")
    return author


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Require `Authorization: Bearer <token>`; a session cookie alone is not enough."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthorized("Send an API token as 'Authorization: Bearer <token>' "
                               "(create one with `travelmap create-token USER`).")
        author = token_author(db.session(), raw.strip())
        if author is None:
            raise Unauthorized("This API token is unknown or revoked.")
        db.session().commit()  # keep "last used" even when the request itself only reads
        g.api_author = author
        return view(*args, **kwargs)

    return wrapped


def owns_trip(view: Callable[..., Any]) -> Callable[..., Any]:
    """Load the trip named by `slug` and pass it as `trip`; 404 if missing, 403 if not the author's."""

    @wraps(view)
    def wrapped(*args: Any, slug: str, **kwargs: Any) -> Any:
        trip = trip_by_slug(db.session(), slug)
        if trip is None:
            raise NotFound("There is no trip at this address.")
        if trip.owner_id != acting_author().id:
            raise Forbidden("This trip belongs to another author.")
        return view(*args, trip=trip, **kwargs)

    return wrapped


def owns_post(view: Callable[..., Any]) -> Callable[..., Any]:
    """Load the post named by `post_slug` and pass it as `post`; 404 if missing, 403 if not the author's."""

    @wraps(view)
    def wrapped(*args: Any, post_slug: str, **kwargs: Any) -> Any:
        post = db.session().scalar(select(Post).where(Post.slug == post_slug))
        if post is None:
            raise NotFound("There is no post at this address.")
        if post.owner_id != acting_author().id:
            raise Forbidden("This post belongs to another author.")
        return view(*args, post=post, **kwargs)

    return wrapped


def init_app(app: Flask) -> None:
    """Set up Flask-Login and the log-in rate limit."""
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("RATELIMIT_STORAGE", "memory://"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    # Only the log-in route has a limit, and its decorator checks it; the check Flask-Limiter also adds
    # before every request found nothing to do and cost each cached page about a third of its time.
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [hook for hook in hooks if hook != limiter._check_request_limit]

"""Who may do what: sessions for the workspace (Flask-Login), bearer tokens for the API, ownership.

Access rules are decorators on the routes:
- `author_required`      workspace pages: anonymous readers are sent to the login page.
- `token_required`       API routes: a valid `Authorization: Bearer` token, else 401 (cookies never count).
- `owns_trip`, `owns_post`  load the object named in the URL: 404 if missing, 403 if someone else's.
- `count_log_in_attempt` every password attempt is counted per client address before it is checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from limits import RateLimitItem, parse_many
from sqlalchemy import select

from . import db
from .errors import Forbidden, NotFound, Unauthorized
from .models import Author, Post
from .services import accounts
from .services.accounts import token_author
from .services.trips import trip_by_slug

login_manager = LoginManager()
login_manager.login_view = "author.login"
login_manager.login_message = "Please log in to use the workspace."
login_manager.login_message_category = "info"

author_required = login_required

# Every log-in attempt is counted before its password is checked, so guesses sent all at once cannot
# outrun the count; a right password then gives its attempt back, so an author is never held up by their
# own log-ins, while the failures before it stay counted. Counters live in TRAVELMAP_RATELIMIT_STORAGE:
# memory:// keeps them per worker process; a shared store (redis://, memcached://) makes the limit exact
# across several workers or machines. Flask-Limiter provides the storage and the client address.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
LOGIN_LIMITS = parse_many("10 per minute; 100 per day")
TOO_MANY_LOG_INS = "Too many failed log-ins from your address. Wait a minute and try again."


def count_log_in_attempt() -> bool:
    """Count a password attempt from this client address before the password is checked.

    Return False, counting nothing more, when the address is over its limit: then no password may be
    checked at all, the right one included, or guessing could go on unlimited.
    """
    if not limiter.enabled:
        return True
    strategy, address = limiter.limiter, get_remote_address()
    if not all(strategy.test(limit, "log-in", address) for limit in LOGIN_LIMITS):
        return False
    counted = [limit for limit in LOGIN_LIMITS if strategy.hit(limit, "log-in", address)]
    if len(counted) < len(LOGIN_LIMITS):  # another attempt took the last place first
        _give_back(counted, address)
        return False
    g.log_in_counted = address
    return True


def forgive_log_in_attempt() -> None:
    """Give back the attempt counted for this request: its password was right."""
    address = g.pop("log_in_counted", None)
    if address is not None:
        _give_back(list(LOGIN_LIMITS), address)


def _give_back(limits: list[RateLimitItem], address: str) -> None:
    try:
        for limit in limits:
            limiter.limiter.hit(limit, "log-in", address, cost=-1)
    except limiter.storage.base_exceptions as exc:  # a store that cannot count down keeps the attempt
        logging.getLogger(__name__).warning("could not give back a log-in attempt: %s", exc)


@login_manager.user_loader
def _load_author(session_key: str) -> Author | None:
    """Load the author of the session the cookie names, while that session lives on the server."""
    return accounts.session_author(db.session(), session_key)


def log_in(author: Author) -> None:
    """Start a new session for the author in this browser (a fresh cookie, so an old session id is useless)."""
    session.clear()
    accounts.start_session(db.session(), author)
    db.commit()
    login_user(author)


def log_out(everywhere: bool = False) -> int:
    """End this browser's session on the server (or every session of its author); return how many ended."""
    ended = 0
    if current_user.is_authenticated:
        author = acting_author()
        if everywhere:
            ended = accounts.end_all_sessions(db.session(), author)
        else:
            accounts.end_session(db.session(), author.session_key)
            ended = 1
        db.commit()
    logout_user()
    session.clear()
    return ended


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
    accounts.use_hash_method(str(app.config.get("PASSWORD_HASH") or accounts.DEFAULT_HASH_METHOD))
    accounts.prepare()
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("RATELIMIT_STORAGE", "memory://"))
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")  # a counter that can give an attempt back
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    # Only the log-in route has a limit, and its decorator checks it; the check Flask-Limiter also adds
    # before every request found nothing to do and cost each cached page about a third of its time.
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [hook for hook in hooks if hook != limiter._check_request_limit]

"""Authors, their sessions and API tokens: hashed passwords, hashed session keys and bearer tokens, revocation."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import validate
from ..errors import Conflict, InvalidInput, NotFound
from ..models import ApiToken, Author, AuthorSession
from ..orm import utcnow

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{1,63}")  # used with fullmatch: no final newline slips through
MIN_PASSWORD = 8
TOKEN_PREFIX = "tm_"


def _check_new_password(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"The password must be at least {MIN_PASSWORD} characters.", field=field)


def create_author(session: Session, username: str, password: str, display_name: str = "") -> Author:
    """Create an author with a hashed password (or give a password to a login-less demo author)."""
    if not USERNAME_RE.fullmatch(username or ""):
        raise InvalidInput("The username must be 2-64 characters: a-z, 0-9, '.', '_' or '-'.", field="username")
    _check_new_password(password)
    author = session.scalar(select(Author).where(Author.username == username))
    if author is not None and author.password_hash:
        raise Conflict(f"There is already an author called {username!r}.", field="username")
    if author is None:
        author = Author(username=username, display_name=display_name or username)
        session.add(author)
    author.password_hash = _hash(password)
    session.flush()
    return author


DEFAULT_HASH_METHOD = "scrypt"
_hash_method = DEFAULT_HASH_METHOD


def use_hash_method(method: str) -> None:
    """Hash new passwords with `method` (werkzeug's "scrypt", "scrypt:n:r:p" or "pbkdf2:sha256:iterations"), for
    the whole process; an unknown method is a ValueError. Hashes already stored keep verifying whatever it is."""
    global _hash_method
    generate_password_hash("", method=method)  # refuses a method werkzeug does not know, at start-up
    if method != _hash_method:
        _hash_method = method
        _stand_in_hash.cache_clear()
        _stand_in_hash()  # made now with the new method, so no log-in attempt pays for it


def _hash(password: str) -> str:
    return generate_password_hash(password, method=_hash_method)


@functools.cache
def _stand_in_hash() -> str:
    """Return a password hash made once per process, to check against when there is no author's hash."""
    return _hash(secrets.token_urlsafe(16))


def authenticate(session: Session, username: str, password: str) -> Author | None:
    """Return the author if the username and password match, else None.

    Exactly one password hash is computed either way, so the time taken does not tell whether the
    username exists (an unknown name is checked against a stand-in hash made once per process).
    """
    author = session.scalar(select(Author).where(Author.username == username))
    stored = author.password_hash if author is not None and author.password_hash else None
    matches = check_password_hash(stored or _stand_in_hash(), password)
    return author if stored is not None and matches else None


def prepare() -> None:
    """Make the stand-in hash now, so that no log-in attempt pays for it (at start-up, once per process)."""
    _stand_in_hash()


def password_matches(author: Author, password: str) -> bool:
    """Tell whether the password is the author's (one hash, like a log-in)."""
    matches = check_password_hash(author.password_hash or _stand_in_hash(), password)
    return bool(author.password_hash) and matches


def set_password(session: Session, author: Author, password: str, field: str = "password") -> int:
    """Give the author a new password and end every session of theirs; return how many were ended."""
    _check_new_password(password, field)
    author.password_hash = _hash(password)
    return end_all_sessions(session, author)


# ---------------------------------------------------------------- sessions

# A session ends after this long even if its browser never logs out, so a copied cookie dies on its own too.
SESSION_LIFETIME = timedelta(days=30)


def start_session(session: Session, author: Author) -> str:
    """Record a new logged-in session of the author; return its key for the session cookie (only a hash is kept)."""
    key = secrets.token_urlsafe(32)
    session.execute(delete(AuthorSession).where(AuthorSession.author_id == author.id,
                                                AuthorSession.created_at < utcnow() - SESSION_LIFETIME))
    session.add(AuthorSession(author_id=author.id, key_hash=_digest(key)))
    session.flush()
    author.session_key = key
    return key


def session_author(session: Session, key: str) -> Author | None:
    """Return the author of a live session (not ended, not expired), or None."""
    if not key or len(key) > 200:
        return None
    author = session.scalar(select(Author).join(AuthorSession).where(
        AuthorSession.key_hash == _digest(key), AuthorSession.created_at >= utcnow() - SESSION_LIFETIME))
    if author is not None:
        author.session_key = key
    return author


def end_session(session: Session, key: str) -> None:
    """End one session (log-out): every copy of its cookie stops working."""
    if key:
        session.execute(delete(AuthorSession).where(AuthorSession.key_hash == _digest(key)))


def end_all_sessions(session: Session, author: Author) -> int:
    """End every session of the author (log out everywhere); return how many there were."""
    ended = live_sessions(session, author)
    session.execute(delete(AuthorSession).where(AuthorSession.author_id == author.id))
    return ended


def live_sessions(session: Session, author: Author) -> int:
    """Count the author's sessions that have not ended."""
    return session.scalar(select(func.count()).select_from(AuthorSession).where(
        AuthorSession.author_id == author.id, AuthorSession.created_at >= utcnow() - SESSION_LIFETIME)) or 0


# ---------------------------------------------------------------- API tokens

def author_by_username(session: Session, username: str) -> Author:
    """Return the author or raise NotFound."""
    author = session.scalar(select(Author).where(Author.username == username))
    if author is None:
        raise NotFound(f"There is no author called {username!r}.")
    return author


def _digest(raw: str) -> str:
    """Hash a token for storage (tokens are long and random, so a fast hash is enough)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(session: Session, author: Author, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; return it and the raw secret, which is shown once and never stored."""
    name = validate.text({"name": name}, "name", max_length=validate.MAX_LABEL)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(author=author, name=name, token_hash=_digest(raw))
    session.add(token)
    session.flush()
    return token, raw


def token_author(session: Session, raw: str) -> Author | None:
    """Return the author of a live token and note its use, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw), ApiToken.revoked_at.is_(None)))
    if token is None:
        return None
    author = token.author  # loaded before the write below, not inside its transaction
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now  # at most one write a minute per token
    return author


def revoke_token(session: Session, author: Author, token_id: int) -> ApiToken:
    """Revoke one of the author's tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.author_id != author.id:
        raise NotFound(f"{author.username} has no token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def live_tokens(session: Session, author: Author) -> list[ApiToken]:
    """Return the author's tokens that are not revoked, newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.author_id == author.id, ApiToken.revoked_at.is_(None))
                                .order_by(ApiToken.created_at.desc())))

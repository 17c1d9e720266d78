"""Authors and API tokens: hashed passwords, hashed bearer tokens, revocation."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import validate
from ..errors import Conflict, InvalidInput, NotFound
from ..models import ApiToken, Author
from ..orm import utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "tm_"


def create_author(session: Session, username: str, password: str, display_name: str = "") -> Author:
    """Create an author with a hashed password (or give a password to a login-less demo author)."""
    if not USERNAME_RE.match(username or ""):
        raise InvalidInput("The username must be 2-64 characters: a-z, 0-9, '.', '_' or '-'.", field="username")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"The password must be at least {MIN_PASSWORD} characters.", field="password")
    author = session.scalar(select(Author).where(Author.username == username))
    if author is not None and author.password_hash:
        raise Conflict(f"There is already an author called {username!r}.", field="username")
    if author is None:
        author = Author(username=username, display_name=display_name or username)
        session.add(author)
    author.password_hash = generate_password_hash(password)
    session.flush()
    return author


def authenticate(session: Session, username: str, password: str) -> Author | None:
    """Return the author if the username and password match, else None (same cost either way)."""
    author = session.scalar(select(Author).where(Author.username == username))
    if author is None or not author.password_hash:
        check_password_hash(generate_password_hash("timing"), password)
        return None
    return author if check_password_hash(author.password_hash, password) else None


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
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now  # at most one write a minute per token
    return token.author


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

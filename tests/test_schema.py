"""The schema comes from the migrations, matches the models, and keeps times timezone-aware."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from travelmap import db
from travelmap.models import Author, Trip

from . import databases


def test_migrations_create_every_table_on_an_empty_database(app):
    with app.app_context():
        tables = set(inspect(db.engine()).get_table_names())
    assert {"trips", "legs", "stops", "posts", "tracks", "track_segments", "photos", "authors",
            "api_tokens", "alembic_version"} <= tables


def test_the_migrations_match_the_models_exactly(app):
    with app.app_context(), db.engine().connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.Base.metadata)
    assert diff == []


def test_upgrading_twice_is_harmless(app):
    with app.app_context():
        db.upgrade_schema(db.engine())
        assert not db.schema_is_empty(db.engine())


def test_times_come_back_timezone_aware_in_utc(app):
    with app.app_context():
        session = db.session()
        author = Author(username="ann")
        local = datetime(2010, 10, 14, 10, 51, tzinfo=timezone(timedelta(hours=8)))
        session.add(Trip(slug="t", title="T", owner=author, created_at=local))
        session.commit()
        session.expire_all()
        trip = session.scalars(select(Trip)).one()
        assert trip.created_at == local
        assert trip.created_at.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused_rather_than_guessed(app):
    with app.app_context():
        session = db.session()
        session.add(Trip(slug="t", title="T", owner=Author(username="ann"), created_at=datetime(2010, 10, 14)))
        with pytest.raises(Exception, match="naive datetime"):
            session.commit()


@pytest.mark.skipif(databases.BACKEND != "sqlite", reason="SQLite's journal mode (this run is on PostgreSQL)")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from sqlalchemy import text

    with app.app_context(), db.engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_media_folder_that_cannot_be_written_is_reported_at_start_up(tmp_path):
    from travelmap import create_app

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    with pytest.raises(RuntimeError, match="media folder .* cannot be written"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x",
                    "MEDIA_DIR": str(blocker / "media")})


def test_text_longer_than_its_column_is_a_clear_400_on_every_backend(app):
    from travelmap.errors import InvalidInput

    with app.app_context():
        session = db.session()
        session.add(Author(username="u" * 65, display_name="Ann"))
        with pytest.raises(InvalidInput, match="username is too long: at most 64 characters, got 65"):
            session.commit()
        session.rollback()
        assert session.scalar(select(Author.id)) is None


def test_a_nul_character_is_refused_clearly_on_every_backend(app):
    from travelmap.errors import InvalidInput

    with app.app_context():
        session = db.session()
        session.add(Author(username="ann", display_name="Ann\x00Lee"))
        with pytest.raises(InvalidInput, match="display name contains a NUL character"):
            session.commit()


def test_the_readme_lists_every_setting():
    from travelmap.config import SETTINGS

    from .conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    assert [s.env for s in SETTINGS if f"`{s.env}`" not in readme] == []


def test_going_down_to_the_first_migration_and_up_again_keeps_every_row(seeded_app):
    # SQLite alters a table by copying and dropping it: with foreign keys enforced, the DROP would cascade and
    # delete the rows pointing at it (a track's points, a leg's stops).
    first = ("authors", "trips", "legs", "stops", "tracks", "track_segments", "photos", "posts", "api_tokens")
    with seeded_app.app_context():
        engine = db.engine()

        def counts() -> dict[str, int]:
            with engine.connect() as connection:
                return {t: connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in first}

        before = counts()
        assert before["track_segments"] > 0 and before["stops"] > 0
        db.migrate(engine, "0001", down=True)
        assert counts() == before
        db.upgrade_schema(engine)
        assert counts() == before
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1

"""Where the knowledge base lives: KB_DATABASE_URL, or a SQLite file in var/ by default."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = PROJECT_ROOT / "var" / "knowledge.db"
IDLE_BEFORE_PING = 10.0  # seconds a pooled connection may rest before it is checked on its next use


def database_url() -> str:
    return os.environ.get("KB_DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}"


def make_engine(url: str | None = None, *, autocommit: bool = False) -> Engine:
    """`autocommit`: on PostgreSQL, no transaction around statements, for a reader whose queries stand
    alone (no BEGIN and ROLLBACK round trips). Set here for the engine's every connection, not as an
    execution option, which SQLAlchemy would set and reset at each checkout."""
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit and not url.startswith("sqlite") else {}
    engine = create_engine(url, future=True, **options)
    if engine.dialect.name == "sqlite":
        # pysqlite opens transactions lazily and not for DDL; let SQLAlchemy issue BEGIN itself so a
        # whole load, DDL included, is one transaction that rolls back together.
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        # event.listen, not @event.listens_for: SQLAlchemy 1.4 ships no types, and mypy takes an untyped
        # decorator to untype the function (hence also the Any arguments)
        event.listen(engine, "connect", _no_implicit_transactions)
        event.listen(engine, "begin", _begin)
    else:
        _ping_after_idle(engine)

    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has rested IDLE_BEFORE_PING seconds.

    A database restart or an idle timeout leaves the pool with dead connections, and SQLAlchemy's
    pool_pre_ping finds them by a round trip before every use: under load, a tenth of the action
    server's time, for connections that were in use milliseconds before. A dead connection found in
    use makes SQLAlchemy replace the whole pool, and the actions retry once (actions/repository.py).
    """

    def _rested_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")  # None: a new connection, never used
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.dbapi.Error:  # not a disconnection the dialect knows: do not trust it either
            alive = False
        if not alive:
            raise exc.DisconnectionError("a rested connection no longer answers")  # the pool connects anew

    event.listen(engine, "checkin", _rested_since)
    event.listen(engine, "checkout", _alive)

"""Load benchmark: concurrent multi-turn conversations over REST, for the embedded default and for the
production configuration; writes docs/BENCHMARK.md.

Each simulated person holds a conversation of several turns, sending the next message as soon as the
reply arrives. Reported per configuration: single-user latency of a knowledge-base question, and at
20 and 50 concurrent conversations the throughput (messages/s), p50/p95/p99 latency, errors and the
memory (RSS, with worker processes) of the Rasa and action servers.

  default     in-memory tracker and lock stores, one Sanic worker, knowledge base on SQLite
  production  PostgreSQL tracker store (a fresh database, dropped afterwards), Redis lock store,
              knowledge base on PostgreSQL (a schema of its own), SANIC_WORKERS=2, action server with
              two workers

usage: .venv/bin/python scripts/bench.py [--rounds 4] [--configs default,production] [--out docs/BENCHMARK.md]
Needs PostgreSQL (BENCH_POSTGRES_URL) and Redis (BENCH_REDIS_URL) for the production configuration.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import signal
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

import aiohttp
import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from measure import QUESTIONS, tree_cpu_seconds, tree_rss_mb, wait_until_idle  # noqa: E402

from bot.cli import action_server, environment, free_port, rasa_server, train  # noqa: E402
from knowledge.content import read_content  # noqa: E402
from knowledge.db import make_engine  # noqa: E402
from knowledge.loader import load as load_knowledge  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
TURNS = ["hi", "what are the signs of labor trafficking?", "who is at risk?", "how do I report child abuse in Texas",
         "any guides for caseworkers?", "show me more", "what does PSTSFA require?", "thanks"]
CONCURRENCY = (20, 50)
UNAVAILABLE = "can't look that up right now"  # utter_service_unavailable: an action failed


@dataclass
class Load:
    concurrent: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # server -> CPU time per answered message

    @property
    def cores_busy(self) -> float:
        """How many cores the two servers kept busy on average."""
        return sum(self.cpu_ms.values()) * len(self.latencies) / 1000 / self.seconds

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[p - 1] if len(self.latencies) > 1 else float("nan")


@dataclass
class Result:
    name: str
    single_p50: float = 0.0
    loads: list[Load] = field(default_factory=list)
    rss: dict[str, float] = field(default_factory=dict)


async def converse(session: aiohttp.ClientSession, url: str, sender: str, turns: list[str], load: Load) -> None:
    for message in turns:
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": message}) as response:
                replies = await response.json() if response.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError):
            replies = None
        # Every turn of these conversations gets at least one message, none of them the apology
        # sent when an action failed.
        if replies and not any(UNAVAILABLE in (r.get("text") or "") for r in replies):
            load.latencies.append((time.perf_counter() - started) * 1000)
        else:
            load.errors += 1


async def run_load(url: str, concurrent: int, rounds: int) -> Load:
    """`concurrent` people at once, each holding `rounds` conversations one after the other."""
    load = Load(concurrent)

    async def person(n: int) -> None:
        for r in range(rounds):
            await converse(session, url, f"bench-{uuid.uuid4().hex[:8]}-{n}-{r}", TURNS, load)

    # A new connection for every message, as deploy/nginx.conf (no upstream keep-alive) and webhook callers
    # such as Twilio make them. Kept-alive connections would stay with whichever Sanic worker accepted
    # them first: the workers share one listening socket, and one of them can end up holding most of them.
    connector = aiohttp.TCPConnector(limit=concurrent, force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(person(n) for n in range(concurrent)))
        load.seconds = time.perf_counter() - started
    return load


async def single_user_p50(url: str, requests: int = 50) -> float:
    load = Load(1)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for n in range(requests):
            await converse(session, url, f"single-{n}", [QUESTIONS[n % len(QUESTIONS)]], load)
    assert load.errors == 0, f"{load.errors} errors for a single user"
    return statistics.median(load.latencies)


@contextmanager
def production_stores() -> Iterator[dict[str, str]]:
    """A fresh tracker database, a Redis key prefix and a knowledge-base schema, removed afterwards."""
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
        connection.execute(text(f"CREATE SCHEMA {name}"))
    kb = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{name}")
    load_knowledge(kb, read_content())
    kb.dispose()
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    try:
        yield {"TRACKER_STORE_URL": str(admin.url.set(drivername="postgresql", database=name)),
               "LOCK_STORE_URL": f"{REDIS_URL}?key_prefix={name.replace('_', '')}",
               "KB_DATABASE_URL": f"{POSTGRES_URL}?options=-csearch_path%3D{name}",
               "SANIC_WORKERS": "2", "ACTION_SERVER_SANIC_WORKERS": "2", "SENDER_ID_KEY": secrets.token_hex(32)}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
        for key in client.scan_iter(f"{name.replace('_', '')}*"):
            client.delete(key)
        admin.dispose()


def bench(name: str, settings: dict[str, str], model: Path, rounds: int) -> Result:
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), **settings)
    url = f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook"
    result = Result(name)
    with action_server(env) as actions, rasa_server(env, model, secrets.token_urlsafe(16)) as rasa:
        print(f"{name}: waiting for every worker to load the model, then warming up", flush=True)
        servers = {"rasa": rasa.pid, "actions": actions.pid}
        for pid in servers.values():
            wait_until_idle(pid)
        asyncio.run(run_load(url, 4, 1))  # every worker and code path once
        result.single_p50 = asyncio.run(single_user_p50(url))
        print(f"{name}: single user p50 {result.single_p50:.0f} ms", flush=True)
        for concurrent in CONCURRENCY:
            used = {server: tree_cpu_seconds(pid) for server, pid in servers.items()}
            load = asyncio.run(run_load(url, concurrent, rounds))
            load.cpu_ms = {server: (tree_cpu_seconds(pid) - used[server]) * 1000 / max(len(load.latencies), 1)
                           for server, pid in servers.items()}
            result.loads.append(load)
            print(f"{name}: {concurrent} concurrent: {load.throughput:.1f} msg/s, p95 {load.percentile(95):.0f} ms, "
                  f"{load.errors} errors, Rasa {load.cpu_ms['rasa']:.1f} ms CPU/message, "
                  f"{load.cores_busy:.2f} cores busy", flush=True)
        result.rss = {"rasa": tree_rss_mb(rasa.pid), "actions": tree_rss_mb(actions.pid)}
    return result


def report(results: list[Result], rounds: int, seconds: float, load_average: float) -> str:
    lines = [
        "# Benchmark",
        "",
        f"Measured {date.today()} on {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}), by `make bench` (`python scripts/bench.py --rounds {rounds}`) "
        f"in {seconds / 60:.1f} min. Load average before the run: {load_average:.1f} (anything well above 0 means "
        "other work shared the cores and the figures are low).",
        f"Each person holds {rounds} conversation(s) of {len(TURNS)} turns over REST, one after the other, sending "
        "the next message as soon as the reply arrives: " + ", ".join(f'"{t}"' for t in TURNS) + ".",
        "Latency is from sending a message to having all its replies. Memory is the RSS of each server with its "
        "worker processes, after the runs (pages shared between workers count once per process).",
        "",
        "CPU per message is the CPU time each server (with its workers) used during the run, divided by the "
        "messages answered; cores busy is the two servers' CPU time over the run's duration.",
        "",
        "| configuration | concurrent conversations | messages | throughput (msg/s) | p50 ms | p95 ms | p99 ms "
        "| errors | Rasa CPU ms/message | action server CPU ms/message | cores busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for load in r.loads:
            lines.append(f"| {r.name} | {load.concurrent} | {len(load.latencies)} | {load.throughput:.1f} | "
                         f"{load.percentile(50):.0f} | {load.percentile(95):.0f} | {load.percentile(99):.0f} | "
                         f"{load.errors} | {load.cpu_ms['rasa']:.1f} | {load.cpu_ms['actions']:.1f} | "
                         f"{load.cores_busy:.2f} |")
    lines += ["", "| configuration | single user, knowledge-base question, p50 | Rasa server RSS | action server RSS |",
              "|---|---|---|---|"]
    lines += [f"| {r.name} | {r.single_p50:.0f} ms | {r.rss['rasa']:.0f} MB | {r.rss['actions']:.0f} MB |"
              for r in results]
    lines += ["", "## Targets (2-core machine)", ""]
    by_name = {r.name: r for r in results}
    for r in results:
        at = {load.concurrent: load for load in r.loads}
        lines += [f"- {r.name}: no errors at 50 concurrent: **{'met' if at[50].errors == 0 else 'missed'}** "
                  f"({at[50].errors} errors); p95 < 1 s at 20 concurrent: "
                  f"**{'met' if at[20].percentile(95) < 1000 else 'missed'}** ({at[20].percentile(95):.0f} ms); "
                  f"single-user p50 < 80 ms: **{'met' if r.single_p50 < 80 else 'missed'}** ({r.single_p50:.0f} ms)"]
    if {"default", "production"} <= by_name.keys():
        ratio = by_name["production"].loads[-1].throughput / by_name["default"].loads[-1].throughput
        met = "met" if ratio >= 1.5 else "missed"
        lines.append(f"- production throughput at 50 concurrent ≥ 1.5 × default: **{met}** ({ratio:.2f} ×)")
    lines += ["", "Setup of each configuration: see `scripts/bench.py` and docs/PRODUCTION.md, which also breaks a "
              "message's CPU down and explains why two workers on two cores fall short of 1.5 ×. On the shared "
              "development machine throughput varied by 10–15% from one run to the next.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4, help="conversations per simulated person")
    parser.add_argument("--configs", default="default,production")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARK.md")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the servers on `kill` too
    started, load_average = time.monotonic(), os.getloadavg()[0]
    model = train()
    results = []
    for name in args.configs.split(","):
        if name == "default":
            results.append(bench(name, {}, model, args.rounds))
        else:
            with production_stores() as settings:
                results.append(bench(name, settings, model, args.rounds))
    args.out.write_text(report(results, args.rounds, time.monotonic() - started, load_average), encoding="utf-8")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()

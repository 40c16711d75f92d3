"""Load benchmark: concurrent multi-turn conversations over REST, for the embedded default and for the
production configuration; writes docs/BENCHMARK.md.

Each simulated person holds a conversation of several turns, sending the next message as soon as the
reply arrives. Reported per configuration: single-user latency of a knowledge-base question, and at
20 and 50 concurrent conversations the throughput (messages/s), p50/p95/p99 latency, errors, CPU per
message and the memory (RSS, with worker processes) of the Rasa and action servers.

Last, for the default and production configurations, the crisis answers under an abusive load: normal
conversations and crisis messages among them, first alone, then with maximal messages (just under
the 1 MB body limit) sent back to back, each crisis message timed until its answer (--abuse-seconds;
with --repeats 0 only this is measured, and only its section written).

Both configurations run side by side, and the loads alternate between them (--repeats times, in
turn order reversed every repeat): on a shared machine the speed of a core drifts by tens of percent
within minutes, and a comparison of two runs minutes apart measures the drift as much as the change.

  default     in-memory tracker and lock stores, one Sanic worker, knowledge base on SQLite
  production  PostgreSQL tracker store (a fresh database, dropped afterwards), Redis lock store,
              knowledge base on PostgreSQL (a schema of its own), SANIC_WORKERS=2, action server with
              two workers
  production-1-worker  the same with SANIC_WORKERS=1: what the second worker adds (scaling out)

usage: .venv/bin/python scripts/bench.py [--rounds 2] [--repeats 5] [--configs default,production-1-worker,production]
                                        [--abuse-seconds 45] [--out docs/BENCHMARK.md]
Needs PostgreSQL (BENCH_POSTGRES_URL) and Redis (BENCH_REDIS_URL) for the production configuration.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import secrets
import signal
import statistics
import sys
import time
import timeit
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import redis
import uvloop
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from measure import QUESTIONS, machine_cpu_seconds, tree_cpu_seconds, tree_rss_mb, wait_until_idle  # noqa: E402

from bot.cli import action_server, environment, free_port, rasa_server, train  # noqa: E402
from knowledge.content import read_content  # noqa: E402
from knowledge.db import make_engine  # noqa: E402
from knowledge.loader import load as load_knowledge  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
TURNS = ["hi", "what are the signs of labor trafficking?", "who is at risk?", "how do I report child abuse in Texas",
         "any guides for caseworkers?", "show me more", "what does PSTSFA require?", "thanks"]
CONCURRENCY = (20, 50)
WARM_UP = max(CONCURRENCY)  # conversations at once before the measured loads
TARGETS = ("default", "production")  # the configurations the targets are set for
# each configuration's settings beyond the stores
CONFIGS: dict[str, dict[str, str]] = {"default": {}, "production-1-worker": {"SANIC_WORKERS": "1"}, "production": {}}
# The abusive load: people holding normal conversations, senders of maximal messages (as the probe's
# 490,000 words, just under the 1 MB body limit, a new sender each time as the per-sender rate limit
# would stop one) and a crisis message from someone new every CRISIS_EVERY seconds among them.
MAXIMAL = (" ".join(TURNS) + " ") * 5_600  # words, so that what reaches the model is the costliest it can be
ABUSERS, ABUSE_CONCURRENT, CRISIS_EVERY = 2, 20, 0.5
CRISIS, HOTLINE = "I am in danger", "1-888-373-7888"
CALIBRATION = "sum(range(10_000_000))"  # the speed of one core, to compare machines by
UNAVAILABLE = "can't look that up right now"  # utter_service_unavailable: an action failed


@dataclass
class Load:
    concurrent: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # server, "generator" or "machine" -> CPU ms per message

    @property
    def cores_busy(self) -> float:
        """How many cores the whole machine kept busy on average (servers, databases, load generator)."""
        return self.cpu_ms["machine"] * len(self.latencies) / 1000 / self.seconds

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[p - 1] if len(self.latencies) > 1 else float("nan")


@dataclass
class Abuse:
    seconds: float
    abusers: int
    crisis: list[float] = field(default_factory=list)  # ms
    maximal: list[float] = field(default_factory=list)  # ms
    normal: Load = field(default_factory=lambda: Load(ABUSE_CONCURRENT))
    failed: dict[str, int] = field(default_factory=lambda: {"crisis": 0, "maximal": 0})

    @staticmethod
    def percentile(values: list[float], p: int) -> float:
        return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else float("nan")


@dataclass
class Result:
    name: str
    url: str
    servers: dict[str, int]  # "rasa", "actions" -> pid
    single: list[float] = field(default_factory=list)  # ms, one person asking one question after another
    abuse: list[Abuse] = field(default_factory=list)  # without the maximal messages, then with them
    alone: dict[str, list[float]] = field(default_factory=dict)  # kind of message -> ms, one at a time
    loads: dict[int, list[Load]] = field(default_factory=dict)  # concurrent conversations -> one per repeat
    rss: dict[str, float] = field(default_factory=dict)

    def pooled(self, concurrent: int) -> Load:
        """The repeats at `concurrent` as one load: every second, latency, error and CPU second."""
        runs = self.loads[concurrent]
        load = Load(concurrent, seconds=sum(r.seconds for r in runs), errors=sum(r.errors for r in runs),
                    latencies=[ms for r in runs for ms in r.latencies])
        load.cpu_ms = {part: sum(r.cpu_ms[part] * len(r.latencies) for r in runs) / max(len(load.latencies), 1)
                       for part in runs[0].cpu_ms}
        return load

    def throughputs(self, concurrent: int) -> list[float]:
        return [r.throughput for r in self.loads[concurrent]]

    def median_throughput(self, concurrent: int) -> float:
        return statistics.median(self.throughputs(concurrent))

    @property
    def single_p50(self) -> float:
        return statistics.median(self.single)


async def post_json(url: str, payload: dict[str, str]) -> Any:
    """POST `payload` as JSON on a new connection (as deploy/nginx.conf, without upstream keep-alive, and
    webhook callers such as Twilio make them); the reply's JSON, or None when the status is not 200.

    The load generator shares the machine's cores with the servers, so it is kept lean: aiohttp cost
    2.1 ms of CPU per message here, this 0.9 ms (2026-12-02). Rasa's REST channel answers with a
    Content-Length body, and closes the connection as asked."""
    parts = urlsplit(url)
    body = json.dumps(payload).encode()
    request = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request)
        response = await reader.read()
    finally:
        writer.close()
    head, _, content = response.partition(b"\r\n\r\n")
    return json.loads(content) if head.split(b" ", 2)[1:2] == [b"200"] else None


async def converse(url: str, sender: str, turns: list[str], load: Load) -> None:
    for message in turns:
        started = time.perf_counter()
        try:
            replies = await asyncio.wait_for(post_json(url, {"sender": sender, "message": message}), 60)
        except (OSError, asyncio.TimeoutError, ValueError):  # ValueError: a reply that is not JSON
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
            await converse(url, f"bench-{uuid.uuid4().hex[:8]}-{n}-{r}", TURNS, load)

    # A new connection for every message (post_json). Kept-alive connections would stay with whichever
    # Sanic worker accepted them first: the workers share one listening socket, and one of them can end
    # up holding most of them.
    started = time.perf_counter()
    await asyncio.gather(*(person(n) for n in range(concurrent)))
    load.seconds = time.perf_counter() - started
    return load


async def abusive_load(url: str, seconds: float, abusers: int) -> Abuse:
    """For `seconds`: ABUSE_CONCURRENT people in normal conversations, `abusers` senders of maximal messages
    back to back, and a crisis message every CRISIS_EVERY seconds, each timed until its answer (the hotline)."""
    abuse, stop, tasks = Abuse(seconds, abusers), time.perf_counter() + seconds, []

    async def timed(message: str, kind: str, answered: str) -> None:
        started = time.perf_counter()
        try:
            replies = await asyncio.wait_for(post_json(url, {"sender": uuid.uuid4().hex, "message": message}), 120)
        except (OSError, asyncio.TimeoutError, ValueError):
            replies = None
        if replies and any(answered in (r.get("text") or "") for r in replies):
            getattr(abuse, kind).append((time.perf_counter() - started) * 1000)
        else:
            abuse.failed[kind] += 1

    async def abuser() -> None:
        while time.perf_counter() < stop:
            await timed(MAXIMAL, "maximal", "")

    async def person(n: int) -> None:
        while time.perf_counter() < stop:
            await converse(url, f"abuse-{uuid.uuid4().hex[:8]}-{n}", TURNS, abuse.normal)

    async def crises() -> None:
        while time.perf_counter() < stop:
            tasks.append(asyncio.create_task(timed(CRISIS, "crisis", HOTLINE)))
            await asyncio.sleep(CRISIS_EVERY)

    await asyncio.gather(crises(), *(abuser() for _ in range(abusers)), *(person(n) for n in range(ABUSE_CONCURRENT)))
    await asyncio.gather(*tasks)
    return abuse


async def one_at_a_time(url: str, each: int = 20) -> dict[str, list[float]]:
    """How long one message holds the server with nothing else going on (ms): a normal question, a
    message of MAX_CHARACTERS (the most the model reads) and a maximal one."""
    kinds = {"question": TURNS[1], "4,000 characters": MAXIMAL[:4_000], "maximal": MAXIMAL}
    timings: dict[str, list[float]] = {}
    for kind, message in kinds.items():
        for _ in range(each):
            started = time.perf_counter()
            replies = await post_json(url, {"sender": f"alone-{uuid.uuid4().hex}", "message": message})
            assert replies, f"no answer to a {kind} message"
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return timings


async def single_user(url: str, requests: int = 50) -> list[float]:
    """Latencies (ms) of one person asking knowledge-base questions one after another, each in a new conversation."""
    load = Load(1)
    for n in range(requests):
        await converse(url, f"single-{uuid.uuid4().hex[:8]}-{n}", [QUESTIONS[n % len(QUESTIONS)]], load)
    assert load.errors == 0, f"{load.errors} errors for a single user"
    return load.latencies


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


def cpu_seconds(servers: dict[str, int]) -> dict[str, float]:
    generator = resource.getrusage(resource.RUSAGE_SELF)
    return {**{server: tree_cpu_seconds(pid) for server, pid in servers.items()},
            "generator": generator.ru_utime + generator.ru_stime, "machine": machine_cpu_seconds()}


def start(stack: ExitStack, name: str, settings: dict[str, str], model: Path) -> Result:
    """Start a configuration's servers (stopped when `stack` closes) and warm them up."""
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), **settings)
    actions = stack.enter_context(action_server(env))
    rasa = stack.enter_context(rasa_server(env, model, secrets.token_urlsafe(16)))
    result = Result(name, f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook",
                    {"rasa": rasa.pid, "actions": actions.pid})
    print(f"{name}: waiting for every worker to load the model, then warming up", flush=True)
    for pid in result.servers.values():
        wait_until_idle(pid)
    # Every worker and code path, and the connection pools (Redis, PostgreSQL, the action server's) grown
    # to the largest load, as on a server in service: connecting is not what the loads measure.
    uvloop.run(run_load(result.url, WARM_UP, 1))
    return result


def measure(result: Result, concurrent: int, rounds: int) -> None:
    used = cpu_seconds(result.servers)
    load = uvloop.run(run_load(result.url, concurrent, rounds))
    load.cpu_ms = {part: (seconds - used[part]) * 1000 / max(len(load.latencies), 1)
                   for part, seconds in cpu_seconds(result.servers).items()}
    result.loads.setdefault(concurrent, []).append(load)
    print(f"{result.name}: {concurrent} concurrent: {load.throughput:.1f} msg/s, p95 {load.percentile(95):.0f} ms, "
          f"{load.errors} errors, Rasa {load.cpu_ms['rasa']:.1f} ms CPU/message, "
          f"{load.cores_busy:.2f} cores busy", flush=True)


def calibrate() -> float:
    """Seconds this machine takes for a fixed pure-Python workload (the best of three)."""
    return min(timeit.repeat(CALIBRATION, repeat=3, number=1))


def report(results: list[Result], rounds: int, repeats: int, seconds: float, load_average: float,
           calibration: float) -> str:
    lines = [
        "# Benchmark",
        "",
        f"Measured {date.today()} on {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}), by `make bench` (`python scripts/bench.py --rounds {rounds} "
        f"--repeats {repeats}`) "
        f"in {seconds / 60:.1f} min. Load average before the run: {load_average:.1f} (anything well above 0 means "
        "other work shared the cores and the figures are low). Speed of this machine's cores: a fixed pure-Python "
        f"loop (`{CALIBRATION}`) took {calibration:.2f} s before the run; machines of the same core count differ "
        "by several times in it, and every figure here scales with it.",
        f"Each person holds {rounds} conversation(s) of {len(TURNS)} turns over REST, one after the other, sending "
        "the next message as soon as the reply arrives: " + ", ".join(f'"{t}"' for t in TURNS) + ".",
        f"Both configurations ran side by side and the loads alternated between them, {repeats} times each, "
        f"after a warm-up of {WARM_UP} conversations at once (not counted) that grew each server's "
        "connection pools to the largest load. "
        "Throughput is the median of the repeats (range in brackets); latency percentiles, errors and CPU are "
        "over all the repeats' messages. "
        "Latency is from sending a message to having all its replies. Single-user latency: one person asking "
        "knowledge-base questions one after another, each in a new conversation, 50 per configuration in each "
        "repeat, after the loads (warm servers), alternating as well; p50 over all of them. Memory is the RSS of "
        "each server with its worker processes, after the runs (pages shared between workers count once per "
        "process).",
        "",
        "CPU per message is the CPU time used during the run, divided by the messages answered: by each server "
        "(with its workers), by the load generator (this script, sharing the cores), and by the whole machine "
        "(the servers, PostgreSQL, Redis, the load generator and the kernel); cores busy is the whole machine's "
        "CPU time over the run's duration.",
        "",
        "| configuration | concurrent conversations | messages | throughput (msg/s) | p50 ms | p95 ms | p99 ms "
        "| errors | Rasa CPU ms/message | action server CPU ms/message | load generator CPU ms/message "
        "| machine CPU ms/message | cores busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for concurrent in r.loads:
            load, runs = r.pooled(concurrent), r.throughputs(concurrent)
            lines.append(f"| {r.name} | {concurrent} | {len(load.latencies)} | "
                         f"{r.median_throughput(concurrent):.1f} ({min(runs):.1f}–{max(runs):.1f}) | "
                         f"{load.percentile(50):.0f} | {load.percentile(95):.0f} | {load.percentile(99):.0f} | "
                         f"{load.errors} | {load.cpu_ms['rasa']:.1f} | {load.cpu_ms['actions']:.1f} | "
                         f"{load.cpu_ms['generator']:.1f} | {load.cpu_ms['machine']:.1f} | {load.cores_busy:.2f} |")
    lines += ["", "| configuration | single user, knowledge-base question, p50 | Rasa server RSS | action server RSS |",
              "|---|---|---|---|"]
    lines += [f"| {r.name} | {r.single_p50:.0f} ms | {r.rss['rasa']:.0f} MB | {r.rss['actions']:.0f} MB |"
              for r in results]
    lines += ["", "## Targets (2-core machine)", ""]
    by_name = {r.name: r for r in results}
    for r in results:
        if r.name not in TARGETS:
            continue
        at = {concurrent: r.pooled(concurrent) for concurrent in r.loads}
        lines += [f"- {r.name}: no errors at 50 concurrent: **{'met' if at[50].errors == 0 else 'missed'}** "
                  f"({at[50].errors} errors); p95 < 1 s at 20 concurrent: "
                  f"**{'met' if at[20].percentile(95) < 1000 else 'missed'}** ({at[20].percentile(95):.0f} ms); "
                  f"single-user p50 < 80 ms: **{'met' if r.single_p50 < 80 else 'missed'}** ({r.single_p50:.0f} ms)"]
    top = max(CONCURRENCY)

    def ratios(name: str, baseline: str) -> list[float]:
        """Each repeat's run of `name` against the run of `baseline` next to it."""
        return [a / b for a, b in zip(by_name[name].throughputs(top), by_name[baseline].throughputs(top), strict=True)]

    def summary(values: list[float]) -> str:
        # three decimals: at two, a median of 1.496 reads "1.50", next to the word "missed"
        return f"median {statistics.median(values):.3f} ×, repeats {', '.join(f'{v:.3f}' for v in values)}"

    if {"default", "production"} <= by_name.keys():
        default, production = by_name["default"].pooled(top), by_name["production"].pooled(top)
        ratio = ratios("production", "default")
        met = "met" if statistics.median(ratio) >= 1.5 else "missed"
        lines.append(f"- production throughput at {top} concurrent ≥ 1.5 × default: **{met}** ({summary(ratio)}). "
                     f"The whole machine's CPU per message: production {production.cpu_ms['machine']:.1f} ms at "
                     f"{production.cores_busy:.2f} cores busy, default {default.cpu_ms['machine']:.1f} ms at "
                     f"{default.cores_busy:.2f}")
        # The default's one worker is bounded by the Rasa server's CPU per message, production by the
        # whole machine's: on a small machine the ratio is set by how much of a message is Rasa's.
        cores, rasa_ms, machine_ms = os.cpu_count() or 1, default.cpu_ms["rasa"], production.cpu_ms["machine"]
        lines += [] if cores < 2 else [
                  "", f"What the CPU figures allow: the default's one worker answers at most 1000 / {rasa_ms:.1f} ms "
                  f"= {1000 / rasa_ms:.1f} msg/s, production at most {cores} cores × 1000 / {machine_ms:.1f} ms = "
                  f"{cores * 1000 / machine_ms:.1f} msg/s, {cores * rasa_ms / machine_ms:.2f} ×. On {cores} cores, "
                  f"{1.5} × needs the Rasa server's CPU per message to be about {1.5 / (cores - 1.5):.0f} times "
                  "everything else a production message costs the machine (action server, PostgreSQL, Redis, the "
                  "load generator, the kernel): the cheaper the model, the lower the ratio."]
    if {"production-1-worker", "production"} <= by_name.keys():
        lines += ["", f"Scaling out (not a target): production with two workers against one, at {top} concurrent: "
                  f"{summary(ratios('production', 'production-1-worker'))}."]
    # Each simulated person waits for a reply before sending the next message, so by Little's law the
    # mean latency at N concurrent conversations is N / throughput, whatever else the code does.
    floor = {r.name: min(CONCURRENCY) / r.median_throughput(min(CONCURRENCY)) for r in results if r.name in TARGETS}
    lines += ["", f"Latency under load is queueing: each person waits for a reply before the next message, so at "
              f"{min(CONCURRENCY)} concurrent conversations the mean latency is {min(CONCURRENCY)} / throughput "
              "(Little's law): " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in floor.items())
              + ". p95 < 1 s at that load needs a throughput well above "
              f"{min(CONCURRENCY)} msg/s, which the Rasa server's own CPU per message (the model, not the stores) "
              "sets on a given machine."]
    lines += abuse_report(results)
    lines += ["", "Setup of each configuration: see `scripts/bench.py` and docs/PRODUCTION.md, which also breaks a "
              "message's CPU down.", ""]
    return "\n".join(lines)


def abuse_report(results: list[Result]) -> list[str]:
    """The crisis answers under the abusive load, and under the same load without its maximal messages."""
    measured = [r for r in results if r.abuse]
    if not measured:
        return []
    lines = ["", "## Crisis answers under an abusive load", "",
             f"For {measured[0].abuse[0].seconds:.0f} s each: {ABUSE_CONCURRENT} people holding the conversations "
             f'above and a crisis message ("{CRISIS}") from someone new every {CRISIS_EVERY} s, timed until its '
             f"answer with the hotline; first without, then with {ABUSERS} senders posting maximal messages back to "
             f"back ({len(MAXIMAL.split()):,} words, {len(MAXIMAL) // 1000} KB, just under the 1 MB body limit, a new "
             "sender id each time). Before the cap on what reaches the model (bot/message_input.py), one such "
             "message held the server for 89 s and a crisis message sent a second later waited 88 s. Latency under "
             "this load is mostly queueing behind the normal conversations: compare the two rows.", "",
             "| configuration | maximal messages | crisis messages | crisis p50 ms | crisis p95 ms | crisis max ms "
             "| unanswered | maximal p50 ms | maximal p95 ms | normal messages | normal p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in measured:
        for a in r.abuse:
            lines.append(f"| {r.name} | {len(a.maximal) if a.abusers else 'none'} | {len(a.crisis)} | "
                         f"{a.percentile(a.crisis, 50):.0f} | {a.percentile(a.crisis, 95):.0f} | "
                         f"{max(a.crisis, default=float('nan')):.0f} | "
                         f"{a.failed['crisis'] + a.failed['maximal'] + a.normal.errors} | "
                         f"{a.percentile(a.maximal, 50):.0f} | {a.percentile(a.maximal, 95):.0f} | "
                         f"{len(a.normal.latencies)} | {a.normal.percentile(95):.0f} |")
    alone = "; ".join(f"{r.name}: " + ", ".join(f"{kind} {statistics.median(ms):.0f} ms ({max(ms):.0f})"
                                                for kind, ms in r.alone.items()) for r in measured)
    lines += ["", f"One message at a time (nothing else going on, 20 of each, median and max): {alone}."]
    lines += ["", "Target: crisis p95 < 1 s with the maximal messages: " + ", ".join(
        f"{r.name} **{'met' if r.abuse[-1].percentile(r.abuse[-1].crisis, 95) < 1000 else 'missed'}** "
        f"({r.abuse[-1].percentile(r.abuse[-1].crisis, 95):.0f} ms; without them "
        f"{r.abuse[0].percentile(r.abuse[0].crisis, 95):.0f} ms)" for r in measured)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="conversations per simulated person and load")
    # a core of a shared machine can slow down for the length of one load: the median of five outlasts it
    parser.add_argument("--repeats", type=int, default=5, help="loads per configuration and concurrency")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--abuse-seconds", type=float, default=45, help="length of each abusive load (0: none)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARK.md")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the servers on `kill` too
    started, load_average, calibration = time.monotonic(), os.getloadavg()[0], calibrate()
    model = train()
    with ExitStack() as stack:
        results = []
        for name in args.configs.split(","):
            settings = stack.enter_context(production_stores()) if name.startswith("production") else {}
            results.append(start(stack, name, {**settings, **CONFIGS[name]}, model))
        for repeat in range(args.repeats):
            for concurrent in CONCURRENCY:
                for result in results[::-1] if repeat % 2 else results:
                    measure(result, concurrent, args.rounds)
        # After the loads: servers as warm as in service (connection pools filled, TensorFlow's
        # functions traced), where right after start-up they are not.
        for repeat in range(args.repeats):
            for result in results[::-1] if repeat % 2 else results:
                result.single += uvloop.run(single_user(result.url))
                print(f"{result.name}: single user p50 {result.single_p50:.0f} ms so far", flush=True)
        for result in results:
            result.rss = {server: tree_rss_mb(pid) for server, pid in result.servers.items()}
        # last: the servers' memory above is without it
        for result in [r for r in results if r.name in TARGETS] if args.abuse_seconds else []:
            result.alone = uvloop.run(one_at_a_time(result.url))
            for abusers in (0, ABUSERS):
                result.abuse.append(abuse := uvloop.run(abusive_load(result.url, args.abuse_seconds, abusers)))
                print(f"{result.name}: crisis p95 with {abusers} senders of maximal messages "
                      f"{abuse.percentile(abuse.crisis, 95):.0f} ms", flush=True)
    if not args.repeats:  # only the abusive load: its section alone
        args.out.write_text("\n".join(abuse_report(results)).lstrip() + "\n", encoding="utf-8")
        print(f"Wrote {args.out}")
        return
    args.out.write_text(report(results, args.rounds, args.repeats, time.monotonic() - started, load_average,
                               calibration), encoding="utf-8")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()

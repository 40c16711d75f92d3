"""Measure the running assistant: p50/p95 reply latency for knowledge-base questions over REST and
the memory (RSS) of the Rasa and action servers. Starts its own servers on free ports.

usage: .venv/bin/python scripts/measure.py [--requests 100]
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.cli import assistant, environment, free_port, train  # noqa: E402

QUESTIONS = [
    "what are the signs of labor trafficking?",
    "what does PSTSFA require?",
    "how do I report child abuse in Texas",
    "who is at risk of trafficking?",
    "any guides for caseworkers?",
]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children + [d for c in children for d in descendants(c)]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a server and its worker processes have used so far."""
    total = 0.0
    for p in [pid, *descendants(pid)]:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_cpu_seconds() -> float:
    """CPU time all cores of the machine have spent busy so far (everything but idle and I/O wait)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, timeout: float = 180) -> None:
    """Wait until a server and its workers stop using CPU: with several Sanic workers the first one
    answers while the others are still loading the model, and those would not take connections yet."""
    deadline = time.monotonic() + timeout
    used = tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        used, before = tree_cpu_seconds(pid), used
        if used - before < 0.05:
            return
    raise TimeoutError(f"process {pid} still busy after {timeout:.0f} s")


def tree_rss_mb(pid: int) -> float:
    """RSS of a server and the processes it started (Sanic workers); shared pages count once per process."""
    return sum(rss_mb(p) for p in [pid, *descendants(pid)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()))
    url = f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook"
    with assistant(env, train(), secrets.token_urlsafe(16)) as (actions, rasa):
        for question in QUESTIONS:  # warm up every code path once
            requests.post(url, json={"sender": "warmup", "message": question}, timeout=60).raise_for_status()
        idle = rss_mb(rasa.pid), rss_mb(actions.pid)
        timings = []
        for n in range(args.requests):
            started = time.perf_counter()
            message = {"sender": f"user{n}", "message": QUESTIONS[n % len(QUESTIONS)]}
            reply = requests.post(url, json=message, timeout=60)
            timings.append((time.perf_counter() - started) * 1000)
            assert reply.ok and reply.json(), reply.text
        quantiles = statistics.quantiles(timings, n=100)
        print(f"knowledge-base questions: {args.requests} sequential requests, one user each")
        p50, p95 = statistics.median(timings), quantiles[94]
        print(f"  latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms")
        print(f"  Rasa server RSS: {idle[0]:.0f} MB after start, {rss_mb(rasa.pid):.0f} MB after the run")
        print(f"  action server RSS: {idle[1]:.0f} MB after start, {rss_mb(actions.pid):.0f} MB after the run")


if __name__ == "__main__":
    main()

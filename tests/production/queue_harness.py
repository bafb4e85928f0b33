"""A worker process for the queue tests: the real WorkerProcess running a small job that records
each run in PostgreSQL (start, end, worker, outcome), sleeps for the job's duration and fails its
first ``fail_first`` runs. Run as ``python queue_harness.py URL --name w1 [options]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mergegate.queue.tasks import QueueOptions
from mergegate.queue.worker_process import WorkerConfig, WorkerProcess

HARNESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS harness_jobs (
    id serial PRIMARY KEY, key text NOT NULL, duration float NOT NULL DEFAULT 0,
    retry_duration float NOT NULL DEFAULT 0, fail_first int NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS harness_runs (
    id serial PRIMARY KEY, job_id int NOT NULL, worker text NOT NULL,
    started timestamptz NOT NULL DEFAULT clock_timestamp(), finished timestamptz,
    outcome text NOT NULL DEFAULT 'running');
"""


def make_runner(url: str, name: str):  # type: ignore[no-untyped-def]
    async def run(job_id: int) -> None:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            row = await (
                await conn.execute(
                    "SELECT duration, retry_duration, fail_first FROM harness_jobs WHERE id = %s",
                    (job_id,),
                )
            ).fetchone()
            assert row is not None, f"no harness job {job_id}"
            first_duration, retry_duration, fail_first = float(row[0]), float(row[1]), int(row[2])
            run_row = await (
                await conn.execute(
                    "INSERT INTO harness_runs (job_id, worker) VALUES (%s, %s) RETURNING id",
                    (job_id, name),
                )
            ).fetchone()
            assert run_row is not None
            earlier = await (
                await conn.execute("SELECT count(*) FROM harness_runs WHERE job_id = %s", (job_id,))
            ).fetchone()
        assert earlier is not None
        await asyncio.sleep(first_duration if earlier[0] == 1 else retry_duration)
        outcome = "failed" if earlier[0] <= fail_first else "done"
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute(
                "UPDATE harness_runs SET finished = clock_timestamp(), outcome = %s WHERE id = %s",
                (outcome, run_row[0]),
            )
        if outcome == "failed":
            raise RuntimeError(f"harness job {job_id} fails on purpose")

    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--name", required=True)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--stalled-after", type=float, default=3.0)
    parser.add_argument("--heartbeat", type=float, default=0.5)
    parser.add_argument("--reap", type=float, default=0.5)
    parser.add_argument("--drain-timeout", type=float, default=30.0)
    parser.add_argument("--health-port", type=int, default=None)
    parser.add_argument("--max-attempts", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=f"{args.name} %(levelname)s %(message)s")
    config = WorkerConfig(
        concurrency=args.concurrency,
        drain_timeout=args.drain_timeout,
        heartbeat_interval=args.heartbeat,
        stalled_after=args.stalled_after,
        reap_interval=args.reap,
        poll_interval=1.0,
        reconnect_max_wait=1.0,
        health_host="127.0.0.1",
        health_port=args.health_port,
        name=args.name,
        queue=QueueOptions(max_attempts=args.max_attempts, backoff=1),
    )
    worker = WorkerProcess(args.url, make_runner(args.url, args.name), config)
    return asyncio.run(worker.run())


if __name__ == "__main__":
    sys.exit(main())

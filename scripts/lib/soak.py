#!/usr/bin/env python3
"""The two halves of scripts/soak that are easier in Python than in bash.

  soak.py smtp-sink PORT   a minimal SMTP server on 127.0.0.1:PORT that accepts every mail and prints one line per mail
  soak.py run ...          steady load on POST /tasks, samples of every process, and the report (see scripts/soak)
"""
import argparse
import asyncio
import csv
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from datetime import datetime, timezone


# --- SMTP sink ---------------------------------------------------------------------------------------------------

async def smtp_session(reader, writer):
    def send(line):
        writer.write((line + "\r\n").encode())

    send("220 soak-sink ESMTP")
    in_data = False
    message_id = None
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    print(f"mail {message_id}", flush=True)
                    send("250 OK queued")
                elif line.lower().startswith("message-id:") and message_id is None:
                    message_id = line.split(":", 1)[1].strip()
                continue
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                writer.write(b"250-soak-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                if verb == "MAIL":
                    message_id = None
                send("250 OK")
            elif verb == "DATA":
                in_data = True
                send("354 end with .")
            elif verb == "QUIT":
                send("221 bye")
                await writer.drain()
                break
            else:
                send("502 not implemented")
            await writer.drain()
    finally:
        writer.close()


async def smtp_sink(port):
    server = await asyncio.start_server(smtp_session, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --- load ---------------------------------------------------------------------------------------------------------

class Load:
    """Submits email_notification tasks at a steady rate from a few threads, counting the answers."""

    def __init__(self, gateway, token, rate, threads=4):
        self.url = urllib.parse.urlparse(gateway)
        self.token = token
        self.interval = 1.0 / rate
        self.threads = threads
        self.answers = Counter()
        self.lock = threading.Lock()
        self.next = 0
        self.stop = threading.Event()
        self.start_time = time.monotonic()

    def run(self):
        workers = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        return workers

    def worker(self):
        connection = None
        while not self.stop.is_set():
            with self.lock:
                index = self.next
                self.next += 1
            due = self.start_time + index * self.interval
            delay = due - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            body = json.dumps({
                "type": "email_notification",
                "idempotencyKey": f"soak-{index}",
                "data": {"to": f"user{index % 1000}@example.com", "subject": f"soak #{index}", "body": "steady load"},
            })
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
                connection.request("POST", "/tasks", body, {"content-type": "application/json", "authorization": f"Bearer {self.token}"})
                response = connection.getresponse()
                response.read()
                answer = str(response.status)
            except (OSError, http.client.HTTPException):
                answer = "no answer"
                if connection is not None:
                    connection.close()
                connection = None
            with self.lock:
                self.answers[answer] += 1


# --- samples ------------------------------------------------------------------------------------------------------

def socket_inodes(pid):
    inodes = set()
    descriptors = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        descriptors += 1
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return descriptors, inodes


def established_tcp(pid, inodes):
    count = 0
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as rows:
                next(rows)
                for row in rows:
                    columns = row.split()
                    # state 01 = ESTABLISHED; column 9 is the socket's inode
                    if columns[3] == "01" and columns[9] in inodes:
                        count += 1
        except OSError:
            pass
    return count


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sample(processes, started):
    rows = []
    for label, pid in processes:
        try:
            descriptors, inodes = socket_inodes(pid)
            rows.append({
                "seconds": round(time.monotonic() - started), "process": label, "pid": pid,
                "rss_kb": rss_kb(pid), "handles": descriptors, "sockets": len(inodes), "tcp": established_tcp(pid, inodes),
            })
        except OSError:
            rows.append({"seconds": round(time.monotonic() - started), "process": label, "pid": pid,
                         "rss_kb": "", "handles": "", "sockets": "", "tcp": ""})
    return rows


# --- report -------------------------------------------------------------------------------------------------------

METRICS = [("rss_kb", "RSS (MiB)", 1024.0), ("handles", "open handles", 1), ("sockets", "sockets", 1), ("tcp", "TCP connections", 1)]


def verdict(metric, early, late):
    """Flat: the late median is within 10 % (memory) or 10 % and 5 handles/connections (counts) of the early one."""
    if early == 0:
        return "flat" if late <= 5 else "GROWING"
    growth = (late - early) / early
    if metric == "rss_kb":
        return "flat" if growth <= 0.10 else "GROWING"
    return "flat" if late - early <= max(5, early * 0.10) else "GROWING"


def report(samples, processes, answers, tasks, mails, minutes, rate, out):
    lines = [f"# Soak report — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"{minutes} min at {rate} tasks/s; a sample every few seconds, the first quarter treated as warm-up. "
             "early = median of the second quarter, late = median of the last quarter.", "",
             "| process | metric | warm-up start | early | late | peak | verdict |", "|---|---|---|---|---|---|---|"]
    flat = True
    for label, _ in processes:
        rows = [r for r in samples if r["process"] == label and r["rss_kb"] != ""]
        if len(rows) < 4:
            lines.append(f"| {label} | (too few samples: {len(rows)}) | | | | | |")
            flat = False
            continue
        quarter = max(1, len(rows) // 4)
        for metric, title, scale in METRICS:
            values = [r[metric] for r in rows]
            early = statistics.median(values[quarter:2 * quarter])
            late = statistics.median(values[-quarter:])
            result = verdict(metric, early, late)
            flat &= result == "flat"
            show = (lambda v: f"{v / scale:.1f}") if scale != 1 else (lambda v: f"{v:g}")
            lines.append(f"| {label} | {title} | {show(values[0])} | {show(early)} | {show(late)} | {show(max(values))} | {result} |")
    submitted = sum(answers.values())
    lines += ["", f"Tasks: {submitted} submitted ({', '.join(f'{k}: {v}' for k, v in sorted(answers.items()))}); "
              f"in the task table by status: {', '.join(f'{k} {v}' for k, v in sorted(tasks.items())) or 'none'}; mails at the sink: {mails}.", "",
              f"**Verdict: {'every process stayed flat' if flat else 'something grew — see the rows marked GROWING'}.**"]
    with open(os.path.join(out, "report.md"), "w") as file:
        file.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return flat


def task_counts(database):
    query = "SELECT status, count(*) FROM bus.tasks GROUP BY status"
    env = dict(os.environ, PGPASSWORD=os.environ.get("BUS_POSTGRES_PASSWORD", "bus"))
    result = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", os.environ.get("BUS_POSTGRES_HOST", "127.0.0.1"),
         "-p", os.environ.get("BUS_POSTGRES_PORT", "5432"), "-U", os.environ.get("BUS_POSTGRES_USER", "bus"), "-d", database, "-c", query],
        capture_output=True, text=True, env=env, check=False)
    counts = Counter()
    for line in result.stdout.splitlines():
        status, count = line.split("\t")
        counts[status] = int(count)
    return counts


def mail_count(out):
    try:
        with open(os.path.join(out, "logs", "smtp-sink.log")) as log:
            return sum(1 for line in log if line.startswith("mail "))
    except OSError:
        return 0


def run(args):
    with open(args.processes) as listing:
        processes = [(label, int(pid)) for label, pid in (line.split() for line in listing if line.strip())]
    load = Load(args.gateway, args.token, args.rate)
    started = time.monotonic()
    workers = load.run()
    samples = []
    with open(os.path.join(args.out, "samples.csv"), "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["seconds", "process", "pid", "rss_kb", "handles", "sockets", "tcp"])
        writer.writeheader()
        end = started + args.minutes * 60
        while time.monotonic() < end:
            rows = sample(processes, started)
            samples += rows
            writer.writerows(rows)
            file.flush()
            time.sleep(min(args.sample, max(0, end - time.monotonic())))
    load.stop.set()
    for worker in workers:
        worker.join(timeout=35)

    # Let the last tasks finish, then count.
    deadline = time.monotonic() + 120
    tasks = task_counts(args.database)
    while time.monotonic() < deadline and any(s in tasks for s in ("Queued", "Running", "Scheduled")):
        time.sleep(2)
        tasks = task_counts(args.database)
    flat = report(samples, processes, load.answers, tasks, mail_count(args.out), args.minutes, args.rate, args.out)
    return 0 if flat else 1


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "smtp-sink":
        asyncio.run(smtp_sink(int(sys.argv[2])))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["run"])
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database", required=True, help="the soak's database name")
    parser.add_argument("--processes", required=True, help="file of 'label pid' lines")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--sample", type=float, default=15)
    parser.add_argument("--out", required=True)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

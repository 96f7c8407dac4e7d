#!/usr/bin/env python3
"""labd benchmark harness: each measurement beside its floor, in the same run, interleaved.

Started by bench/run (which builds the binaries). Prints a Markdown table (median, p90 and the
ratio to the floor) and writes it to OUT/results.md. Timing on a shared machine is noisy: the
floors are measured in the same run, interleaved with the measurement, so the ratios hold.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

NETNS = "labdb-web"
HOST_SIDE = "203.0.113.1"
WEB = "203.0.113.10"
WEB_NAME = "bench-web.test"
HOSTS_MARK = "# labd-bench"

ROWS = []  # (section, measurement, median, p90, floor label, floor median, ratio, target, verdict)


def log(*parts):
    print("bench:", *parts, file=sys.stderr, flush=True)


def sh(cmd, check=True, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=check, text=True, capture_output=True, **kw)


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed(argv, **kw):
    start = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    elapsed = (time.perf_counter() - start) * 1000
    if r.returncode != 0:
        raise RuntimeError(f"{argv[:4]}... exited {r.returncode}: {r.stderr[-500:]}")
    return elapsed, r.stdout


def row(section, what, values, unit, floor_label=None, floor_values=None, target=None, ok=None, higher_is_better=False):
    med, p90 = statistics.median(values), pct(values, 0.9)
    fmed = statistics.median(floor_values) if floor_values else None
    ratio = (med / fmed) if fmed else None
    if higher_is_better and ratio is not None:
        p90 = pct(values, 0.1)
    verdict = "" if ok is None else ("met" if ok else "NOT met")
    ROWS.append((section, what, f"{med:.2f} {unit}", f"{p90:.2f} {unit}", floor_label or "", f"{fmed:.2f} {unit}" if fmed else "",
                 f"{ratio:.2f}x" if ratio else "", target or "", verdict))
    log(f"{section}: {what}: median {med:.2f} {unit} (p90 {p90:.2f}), floor {floor_label} {fmed if fmed else '-'} -> {ratio}")


# ---------------------------------------------------------------- labd under test

class Unix(http.client.HTTPConnection):
    def __init__(self, path, timeout=120):
        super().__init__("labd", timeout=timeout)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


def api(sock, method, route, body=None, timeout=120):
    c = Unix(sock, timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, route, body=json.dumps(body) if body is not None else None, headers=headers)
        r = c.getresponse()
        data = r.read()
        return r.status, data
    finally:
        c.close()


class Labd:
    def __init__(self, binary, root, pool, gpus):
        self.binary, self.root = binary, root
        self.sock = os.path.join(root, "run", "labd.sock")
        self.state = os.path.join(root, "state")
        self.policies = os.path.join(root, "policies")
        self.dev = os.path.join(root, "dev")
        os.makedirs(self.policies, exist_ok=True)
        os.makedirs(self.dev, exist_ok=True)
        for i in range(gpus):
            node = os.path.join(self.dev, f"nvidia{i}")
            if not os.path.exists(node):
                os.mknod(node, 0o666 | 0o020000, os.makedev(195, i))
        ctl = os.path.join(self.dev, "nvidiactl")
        if not os.path.exists(ctl):
            os.mknod(ctl, 0o666 | 0o020000, os.makedev(195, 255))
        for name in os.listdir(os.path.join(os.path.dirname(__file__), "..", "policies")):
            shutil.copy(os.path.join(os.path.dirname(__file__), "..", "policies", name), self.policies)
        with open(os.path.join(self.policies, "bench.yaml"), "w") as f:
            f.write(f"""description: benchmarks - worktree rw, the fake web host, 8 GPUs
files:
  ${{WORKTREE}}: rw
network:
  allow:
    - {WEB_NAME}:80,443
    - {WEB}:80,443
gpus: 8
limits:
  timeout: 1h
""")
        self.config = os.path.join(root, "labd.yaml")
        with open(self.config, "w") as f:
            f.write(f"policyDir: {self.policies}\ngpus:\n  deviceDir: {self.dev}\n")
            if pool:
                f.write(f"sandbox:\n  poolSize: {pool}\n")
        self.proc = None

    def start(self):
        log_file = open(os.path.join(self.root, "labd.log"), "a")
        self.proc = subprocess.Popen([self.binary, "--foreground", "--config", self.config, "--state-dir", self.state, "--socket", self.sock],
                                     stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"labd exited {self.proc.returncode}; see {self.root}/labd.log")
            try:
                status, _ = api(self.sock, "GET", "/v1/status", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("labd did not answer within 60 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


# ---------------------------------------------------------------- fake web host

class Web:
    """A network namespace behind a veth pair serving HTTP (a sparse file of any size, and a tiny
    page) and HTTPS on WEB; WEB_NAME resolves to it through /etc/hosts (labd's resolver and proxy
    use the host's getaddrinfo when no upstreamDns is configured)."""

    def __init__(self, root, size):
        self.root, self.size = root, size

    def __enter__(self):
        self.close()
        os.makedirs(self.root, exist_ok=True)
        with open(os.path.join(self.root, "big"), "wb") as f:
            f.truncate(self.size)
        with open(os.path.join(self.root, "small"), "w") as f:
            f.write("ok\n")
        sh(f"ip netns add {NETNS}")
        sh(f"ip link add labdb-h type veth peer name labdb-w")
        sh(f"ip link set labdb-w netns {NETNS}")
        sh(f"ip addr add {HOST_SIDE}/24 dev labdb-h && ip link set labdb-h up")
        sh(f"ip -n {NETNS} addr add {WEB}/24 dev labdb-w && ip -n {NETNS} link set labdb-w up && ip -n {NETNS} link set lo up")
        sh(f"ip -n {NETNS} route add default via {HOST_SIDE}")
        key, cert = os.path.join(self.root, "key.pem"), os.path.join(self.root, "cert.pem")
        sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
            "-subj", f"/CN={WEB_NAME}", "-addext", f"subjectAltName=DNS:{WEB_NAME}"])
        server = os.path.join(os.path.dirname(__file__), "webserver.py")
        self.servers = [
            subprocess.Popen(["ip", "netns", "exec", NETNS, "python3", server, self.root, WEB, "80"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen(["ip", "netns", "exec", NETNS, "python3", server, self.root, WEB, "443", cert, key], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        with open("/etc/hosts", "a") as f:
            f.write(f"{WEB} {WEB_NAME} {HOSTS_MARK}\n")
        deadline = time.time() + 15
        while sh(["curl", "-sf", "-o", "/dev/null", f"http://{WEB}/small"], check=False).returncode != 0:
            if time.time() > deadline:
                raise RuntimeError("the fake web host did not come up")
            time.sleep(0.1)
        return self

    def close(self):
        for p in getattr(self, "servers", []):
            p.kill()
        sh(f"ip netns del {NETNS}", check=False)
        sh("ip link del labdb-h", check=False)
        try:
            with open("/etc/hosts") as f:
                lines = f.readlines()
            kept = [l for l in lines if HOSTS_MARK not in l]
            if kept != lines:
                with open("/etc/hosts", "w") as f:
                    f.writelines(kept)
        except OSError:
            pass

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- sections

def raw_floor_argv(workdir):
    bwrap = ["bwrap", "--unshare-all", "--share-net", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
             "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
             "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--proc", "/proc", "--dev", "/dev",
             "--tmpfs", "/tmp", "--bind", workdir, workdir, "--chdir", workdir, "--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000", "true"]
    # As labd does: an unprivileged pool user (rootlesskit refuses root), its own state dir.
    user = "labd-sbx-15"
    state = os.path.join(workdir, ".rk-floor")
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    shutil.chown(state, user, user)
    as_user = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"]
    rk = as_user + ["rootlesskit", "--net=slirp4netns", "--disable-host-loopback", "--port-driver=none", f"--state-dir={state}/s"] + bwrap
    alone = as_user + [a if a != "--share-net" else "--unshare-net" for a in bwrap]
    return rk, alone


def bench_launch(labd, labctl, n, workdir):
    rk, alone = raw_floor_argv(workdir)
    env = dict(os.environ, LABD_SOCKET=labd.sock)
    ours, floor, bare = [], [], []
    cmd = [labctl, "--socket", labd.sock, "run", "--policy", "bench", "--", "true"]
    for argv in (cmd, rk, alone):  # warm caches
        timed(argv, cwd=workdir, env=env)
    for _ in range(n):
        ours.append(timed(cmd, cwd=workdir, env=env)[0])
        floor.append(timed(rk, cwd=workdir)[0])
        bare.append(timed(alone, cwd=workdir)[0])
    row("launch", "labctl run -- true", ours, "ms", "rootlesskit+bwrap", floor, "<= 1.3x", statistics.median(ours) <= 1.3 * statistics.median(floor))
    row("launch", "raw rootlesskit+bwrap true", floor, "ms", "bwrap alone", bare)


def sandbox_sh(labd, labctl, workdir, script, timeout=900):
    env = dict(os.environ)
    argv = [labctl, "--socket", labd.sock, "run", "--policy", "bench", "--", "sh", "-c", script]
    r = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"sandboxed script exited {r.returncode}: {r.stdout[-400:]} {r.stderr[-400:]}")
    return r.stdout


def bench_egress(labd, labctl, workdir, size, connections):
    url = f"http://{WEB_NAME}/big"
    direct, proxied = [], []
    for _ in range(2):
        _, out = timed(["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}", url])
        direct.append(float(out) / 1e6)
        out = sandbox_sh(labd, labctl, workdir, f"curl -s -o /dev/null -w '%{{speed_download}}' {url}")
        proxied.append(float(out.strip().splitlines()[-1]) / 1e6)
    row("egress", f"download {size >> 20} MiB through the proxy", proxied, "MB/s", "direct from the host", direct, ">= 0.8x",
        statistics.median(proxied) >= 0.8 * statistics.median(direct), higher_is_better=True)
    loop = (f"i=0; while [ $i -lt {connections} ]; do curl -sk -o /dev/null -w '%{{time_connect}} %{{time_appconnect}} %{{time_total}}\\n' "
            f"-H 'Connection: close' https://{WEB_NAME}/small; i=$((i+1)); done")
    host_out = sh(["sh", "-c", loop]).stdout
    box_out = sandbox_sh(labd, labctl, workdir, loop)

    def totals(text):
        return [float(l.split()[2]) * 1000 for l in text.splitlines() if len(l.split()) == 3]
    h, b = totals(host_out), totals(box_out)
    added = statistics.median(b) - statistics.median(h)
    row("egress", f"{connections} short HTTPS requests (each a new connection)", b, "ms", "direct from the host", h, "<= +2 ms", added <= 2.0)


def bench_cli(labd, labctl, n):
    ours, floor, spawn = [], [], []
    curl = ["curl", "-sf", "--unix-socket", labd.sock, "http://labd/v1/status"]
    cmd = [labctl, "--socket", labd.sock, "status", "-o", "json"]
    timed(cmd)
    timed(curl)
    for _ in range(n):
        ours.append(timed(cmd)[0])
        floor.append(timed(curl)[0])
        spawn.append(timed(["/bin/true"])[0])
    # The harness's own fork+exec+wait (python) is in every sample; it is measured as /bin/true.
    net = statistics.median(ours) - statistics.median(spawn)
    row("cli", f"labctl status (AOT); {net:.1f} ms above a bare process spawn", ours, "ms", "curl --unix-socket", floor, "<= 10 ms", net <= 10)
    row("cli", "/bin/true (the harness's spawn cost, in every row above)", spawn, "ms")


def make_repo(path, owner=0):
    os.makedirs(path, exist_ok=True)
    sh(["git", "init", "-q", "-b", "main", path])
    with open(os.path.join(path, "train.sh"), "w") as f:
        f.write('echo \'{"metrics": {"score": 1}}\'\n')
    sh(["git", "-C", path, "add", "-A"])
    sh(["git", "-C", path, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "init"])


def seed_experiments(db, lab, ideas, experiments):
    """Generated history written straight into labd's database (labd stopped): ideas and
    experiments with a score, tags and notes, as a long-running lab would have."""
    con = sqlite3.connect(db)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())
    cur = con.cursor()
    existing = cur.execute("SELECT coalesce(max(number), 0) FROM ideas WHERE lab_id = ?", (lab,)).fetchone()[0]
    for n in range(existing + 1, existing + ideas + 1):
        parents = json.dumps([] if n == 1 else [max(1, n // 2)])
        cur.execute("INSERT INTO ideas (lab_id, number, title, description, status, parents, branch, base_commit, created_by, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, 'active', ?, ?, '0000000000000000000000000000000000000000', 'user:0', ?, ?)",
                    (lab, n, f"idea {n}: learning rate sweep {n % 17}", f"try warmup {n % 5} with cosine decay", parents, f"idea/{n}", now, now))
        cur.execute("INSERT INTO search_index (lab_id, kind, ref, text) VALUES (?, 'idea', ?, ?)", (lab, str(n), f"idea {n}: learning rate sweep {n % 17} warmup {n % 5}"))
    statuses = ["succeeded"] * 8 + ["failed", "timed_out"]
    for i in range(experiments):
        idea = existing + 1 + i % ideas
        seq = i // ideas + 1
        status = statuses[i % len(statuses)]
        score = (i * 7919 % 10007) / 10007.0
        metrics = json.dumps({"score": score, "loss": 1 - score}) if status == "succeeded" else None
        cur.execute("INSERT INTO experiments (lab_id, idea, seq, commit_sha, command, meta, dedupe_key, gpus, priority, submitter, submitter_uid, status, reason, metrics, created_at, started_at, ended_at) "
                    "VALUES (?, ?, ?, ?, '[\"true\"]', ?, ?, 1, 0, 'user:0', 0, ?, ?, ?, ?, ?, ?)",
                    (lab, idea, seq, f"{i:040x}", json.dumps({"i": str(i)}), uuid.uuid4().hex, status, None if status == "succeeded" else "exited with 1", metrics, now, now, now))
        eid = cur.lastrowid
        if metrics:
            cur.execute("INSERT INTO experiment_metrics (experiment, name, value) VALUES (?, 'score', ?), (?, 'loss', ?)", (eid, score, eid, 1 - score))
        cur.execute("INSERT INTO experiment_tags (experiment, tag) VALUES (?, ?)", (eid, f"sweep-{i % 20}"))
        cur.execute("INSERT INTO search_index (lab_id, kind, ref, text) VALUES (?, 'experiment', ?, ?)", (lab, str(eid), f"exp/{idea}.{seq} true sweep-{i % 20}"))
    con.commit()
    con.close()


def bench_api(labd, labctl, root, n_ideas, n_experiments, clients, per_client):
    repo = os.path.join(root, "api-lab")
    make_repo(repo)
    status, body = api(labd.sock, "POST", "/v1/labs", {"path": repo, "name": "bench-api", "policy": "bench", "metrics": [{"name": "score", "direction": "max"}]})
    if status not in (200, 201):
        raise RuntimeError(f"lab init: {status} {body[:300]}")
    labd.stop()
    seed_experiments(os.path.join(labd.state, "labd.db"), "bench-api", n_ideas, n_experiments)
    labd.start()
    routes = {
        "orient": "/v1/labs/bench-api/orient",
        "leaderboard": "/v1/labs/bench-api/leaderboard?metric=score&limit=20",
        "search": "/v1/labs/bench-api/search?q=warmup%203&limit=20",
        "version (floor)": "/v1/version",
    }
    for route in routes.values():
        status, body = api(labd.sock, "GET", route)
        if status != 200:
            raise RuntimeError(f"GET {route}: {status} {body[:300]}")
    samples = {name: [] for name in routes}
    lock = threading.Lock()

    def client(_):
        local = {name: [] for name in routes}
        for _ in range(per_client):
            for name, route in routes.items():
                start = time.perf_counter()
                status, _ = api(labd.sock, "GET", route)
                local[name].append((time.perf_counter() - start) * 1000)
                if status != 200:
                    raise RuntimeError(f"{route}: {status}")
        with lock:
            for name in routes:
                samples[name].extend(local[name])
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    floor = samples.pop("version (floor)")
    for name, values in samples.items():
        p99 = pct(values, 0.99)
        row("api", f"{name}, {n_experiments} experiments / {n_ideas} ideas, {clients} clients (p99 {p99:.1f} ms)", values, "ms",
            "GET /v1/version, same clients", floor, "p99 <= 20 ms", p99 <= 20)


def bench_drain(labd, root, count, gpus):
    repo = os.path.join(root, "drain-lab")
    make_repo(repo)
    status, body = api(labd.sock, "POST", "/v1/labs", {"path": repo, "name": "bench-drain", "policy": "bench"})
    if status not in (200, 201):
        raise RuntimeError(f"lab init: {status} {body[:300]}")
    status, body = api(labd.sock, "POST", "/v1/labs/bench-drain/ideas", {"title": "drain"})
    if status not in (200, 201):
        raise RuntimeError(f"idea new: {status} {body[:300]}")
    idea = json.loads(body).get("number", 1)
    submit_start = time.perf_counter()
    ids = []
    for i in range(count):
        status, body = api(labd.sock, "POST", "/v1/labs/bench-drain/experiments",
                           {"idea": idea, "command": ["true"], "sourceDirectory": repo, "gpus": 1, "meta": {"i": str(i)}})
        if status not in (200, 201, 202):
            raise RuntimeError(f"submit: {status} {body[:300]}")
        ids.append(json.loads(body)["id"])
    submit_s = time.perf_counter() - submit_start
    for eid in ids:
        status, body = api(labd.sock, "GET", f"/v1/experiments/{eid}/wait", timeout=3600)
        if status != 200:
            raise RuntimeError(f"wait {eid}: {status} {body[:200]}")
    con = sqlite3.connect(os.path.join(labd.state, "labd.db"))
    rows = con.execute("SELECT started_at, ended_at, gpu_ids, status FROM experiments WHERE lab_id = 'bench-drain' ORDER BY id").fetchall()
    con.close()

    def t(s):
        return time.mktime(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + s[20:26]) if s else None
    starts = [t(r[0]) for r in rows if r[0]]
    ends = [t(r[1]) for r in rows if r[1]]
    span = max(ends) - min(starts)
    rate = len(rows) / span
    per_gpu = {}
    for r in rows:
        for g in json.loads(r[2] or "[]"):
            per_gpu.setdefault(g, []).append((t(r[0]), t(r[1])))
    gaps = []
    for spans in per_gpu.values():
        spans.sort()
        gaps += [(b[0] - a[1]) * 1000 for a, b in zip(spans, spans[1:]) if b[0] >= a[1]]
    durations = [(t(r[1]) - t(r[0])) * 1000 for r in rows if r[0] and r[1]]
    failed = sum(1 for r in rows if r[3] != "succeeded")
    row("drain", f"{count} sandboxed `true` on {gpus} fake GPUs: {rate:.2f} experiments/s ({failed} not succeeded; submitting took {submit_s:.1f} s)",
        durations, "ms", None, None, ">= 10/s", rate >= 10)
    if gaps:
        row("drain", "GPU lease idle time between runs", gaps, "ms")


def bench_memory(labd, labctl, workdir, concurrent):
    idle = [labd.rss_mb()]
    procs = [subprocess.Popen([labctl, "--socket", labd.sock, "run", "--policy", "bench", "--", "sleep", "20"], cwd=workdir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(concurrent)]
    peak = []
    deadline = time.time() + 18
    while time.time() < deadline and any(p.poll() is None for p in procs):
        peak.append(labd.rss_mb())
        time.sleep(0.5)
    for p in procs:
        p.wait()
    row("memory", "labd RSS idle", idle, "MB", None, None, "<= 150 MB", idle[0] <= 150)
    row("memory", f"labd RSS with {concurrent} concurrent sandboxes (max over the run)", [max(peak)], "MB", None, None, "<= 150 MB", max(peak) <= 150)


def bench_events(labd, followers, events):
    """N followers of GET /v1/events?follow=true (the dashboard's and waiting agents' stream): labd's RSS
    with them open and fed `events` events each, against labd's RSS just before they connected."""
    def open_follower():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(120)
        s.connect(labd.sock)
        s.sendall(b"GET /v1/events?follow=true HTTP/1.1\r\nHost: labd\r\nAccept: text/event-stream\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("labd closed an event stream before answering")
            head += chunk
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"GET /v1/events: {head[:200]!r}")
        return s, head.split(b"\r\n\r\n", 1)[1]

    def append(i):
        status, body = api(labd.sock, "POST", "/v1/events", {"kind": "bench", "subject": f"e{i}", "data": {"i": i}})
        if status != 201:
            raise RuntimeError(f"POST /v1/events: {status} {body[:200]!r}")
        return json.loads(body)["id"]

    def fed_round():
        """RSS before, and with the followers open and every event delivered to each."""
        before = labd.rss_mb()
        opened = [open_follower() for _ in range(followers)]
        last = None
        for i in range(events):
            last = append(i)
        marker = f"id: {last}\n".encode()
        delivered = []

        def drain(sock_and_rest):
            sock, data = sock_and_rest
            while marker not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data = data[-4096:] + chunk
            delivered.append(marker in data)

        threads = [threading.Thread(target=drain, args=(o,)) for o in opened]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = labd.rss_mb()
        for sock, _ in opened:
            sock.close()
        if sum(delivered) != followers:
            raise RuntimeError(f"only {sum(delivered)} of {followers} followers received event {last}")
        return before, after

    # The first round also pays for JIT, Kestrel's and SQLite's pools and the GC heap the appends
    # grow; it is reported, and the target is judged on the second, the steady cost of N followers.
    cold_before, cold_after = fed_round()
    before, after = fed_round()
    row("events", f"labd RSS growth, first round of {followers} followers x {events} events (JIT, pools)", [cold_after - cold_before], "MB")
    row("events", "labd RSS before the second round", [before], "MB")
    row("events", f"labd RSS growth with {followers} followers, {events} events delivered to each", [after - before], "MB", None, None,
        "< 20 MB", after - before < 20)


def describe_machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, kernel {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--labd", required=True)
    ap.add_argument("--labctl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--only", default="launch,egress,cli,api,drain,memory,events")
    args = ap.parse_args()
    only = set(args.only.split(","))
    smoke = args.smoke
    root = tempfile.mkdtemp(prefix="labd-bench-")
    os.chmod(root, 0o755)
    work = os.path.join(root, "work")
    os.makedirs(work)
    labd = Labd(os.path.abspath(args.labd), root, pool=16, gpus=8)
    labctl = os.path.abspath(args.labctl)
    started = time.time()
    failures = []
    labd.start()
    try:
        sections = [
            ("launch", lambda: bench_launch(labd, labctl, 3 if smoke else 30, work)),
            ("egress", lambda: bench_egress_with_web(labd, labctl, work, root, smoke)),
            ("cli", lambda: bench_cli(labd, labctl, 5 if smoke else 100)),
            ("api", lambda: bench_api(labd, labctl, root, 20 if smoke else 500, 200 if smoke else 10000, 4 if smoke else 20, 3 if smoke else 25)),
            ("drain", lambda: bench_drain(labd, root, 10 if smoke else 1000, 8)),
            ("memory", lambda: bench_memory(labd, labctl, work, 2 if smoke else 16)),
            ("events", lambda: bench_events(labd, 5 if smoke else 50, 10 if smoke else 200)),
        ]
        for name, run in sections:
            if name not in only:
                continue
            log(f"== {name}")
            try:
                run()
            except Exception as e:  # a broken section is reported, the others still run
                failures.append(f"{name}: {e}")
                log(f"{name} FAILED: {e}")
    finally:
        labd.stop()
    table = ["| section | measurement | median | p90 | floor | floor median | ratio | target | |",
             "|---|---|---|---|---|---|---|---|---|"]
    table += ["| " + " | ".join(r) + " |" for r in ROWS]
    text = (f"Machine: {describe_machine()}\n\nRun: `bench/run{' --smoke' if smoke else ''}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{time.time() - started:.0f} s\n\n" + "\n".join(table) + "\n")
    if failures:
        text += "\nSections that failed:\n" + "\n".join(f"- {f}" for f in failures) + "\n"
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


def bench_egress_with_web(labd, labctl, work, root, smoke):
    size = (64 << 20) if smoke else (1 << 30)
    with Web(os.path.join(root, "web"), size):
        bench_egress(labd, labctl, work, size, 5 if smoke else 200)


if __name__ == "__main__":
    sys.exit(main())

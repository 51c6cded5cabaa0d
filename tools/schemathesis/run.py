"""Drives the schemathesis campaign against a fresh `idv serve` (see README.md).

Starts the server on a free loopback port with a temporary SQLite database, reads
the client that it provisions and prints on its first start, fetches an access
token, then runs schemathesis over /openapi.json three times (valid token, wrong
token, no token), prints each run's summary and a table of the figures, and exits
non-zero when any run found a failure or did not finish. Called by run.sh, which
owns the virtual environment and the build.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

AUTH_MODES = ("valid", "wrong", "none")


def env_int(name, default):
    return int(os.environ.get(name, default))


def start_server(idv, workdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDV__")}
    env.setdefault("RUST_LOG", "warn")
    out = open(os.path.join(workdir, "server.out"), "w+")
    err = open(os.path.join(workdir, "server.log"), "w")
    db = "sqlite://" + os.path.join(workdir, "idv.db")
    proc = subprocess.Popen(
        [idv, "serve", "--listen", "127.0.0.1:0", "--database", db],
        stdout=out, stderr=err, env=env, cwd=workdir,
    )
    client_id = client_secret = base = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and base is None:
        if proc.poll() is not None:
            sys.exit(f"idv serve exited with {proc.returncode}; see {err.name}")
        out.seek(0)
        for line in out.read().splitlines():
            words = line.split()
            if words[:1] == ["client_id:"]:
                client_id = words[1]
            elif words[:1] == ["client_secret:"]:
                client_secret = words[1]
            elif words[:1] == ["curl"]:
                url = next(w for w in words if w.startswith("http://"))
                base = url.removesuffix("/token")
        time.sleep(0.2)
    if not (client_id and client_secret and base):
        proc.kill()
        sys.exit("idv serve did not print its client and address within 60 s")
    return proc, base, client_id, client_secret


def fetch_token(base, client_id, client_secret):
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }).encode()
    with urllib.request.urlopen(base + "/token", data=form, timeout=30) as r:
        import json
        return json.load(r)["access_token"]


def summary(text):
    """The figures of one run, read from schemathesis' summary."""
    def grab(pattern):
        m = re.search(pattern, text, re.M)
        return int(m.group(1)) if m else None
    failures = {}
    section = re.search(r"^Failures:\n((?:  .*\n)+)", text, re.M)
    if section:
        for m in re.finditer(r"(ST\d+|[A-Za-z_]+)\s+(.*?):\s+(\d+)$", section.group(1), re.M):
            failures[f"{m.group(1)} {m.group(2)}"] = int(m.group(3))
    return {
        "tested": grab(r"^\s+Tested:\s+(\d+)"),
        "selected": grab(r"^\s+Selected:\s+\d+/(\d+)"),
        "generated": grab(r"^\s+(\d+) generated"),
        "failures": failures,
    }


def run_mode(args, mode, base, token, workdir):
    cmd = [
        args.schemathesis, "--config-file", args.config, "run", base + "/openapi.json",
        "--seed", os.environ.get("ST_SEED", "1"),
        "--max-examples", str(env_int("ST_MAX_EXAMPLES", 25)),
        "--report", "junit",
        "--report-junit-path", os.path.join(args.report_dir, f"junit-{mode}.xml"),
        "--no-color",
    ]
    if mode == "valid":
        cmd += ["-H", f"Authorization: Bearer {token}"]
    else:
        # Requests without a valid token are limited per peer address (100 a
        # second, firewall_rate_limit_per_second), not per client: go faster.
        cmd += ["--rate-limit", "80/s"]
    if mode == "wrong":
        # The shape of a real token (64 hexadecimal characters), fixed for
        # reproducible runs, and never issued (tokens are random).
        cmd += ["-H", "Authorization: Bearer " + "5e" * 32]
    print(f"\n== schemathesis, {mode} token: {' '.join(c if not c.startswith('Authorization') else 'Authorization: Bearer …' for c in cmd[1:])}", flush=True)
    budget = env_int("ST_MAX_TIME", 120)
    try:
        dropped = os.path.join(args.report_dir, f"dropped-{mode}.txt")
        open(dropped, "w").close()
        env = dict(os.environ, ST_DROPPED_LOG=dropped)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, env=env,
                           cwd=os.path.dirname(os.path.abspath(args.config)))
        code, text = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        code, text = None, out + f"\nschemathesis did not finish within {budget} s (ST_MAX_TIME)\n"
    with open(os.path.join(args.report_dir, f"output-{mode}.txt"), "w") as f:
        f.write(text)
    # Print the failures and the summary, not the progress lines.
    start = text.find("=== FAILURES")
    if start < 0:
        start = text.find("=== WARNINGS")
    if start < 0:
        start = text.find("=== SUMMARY")
    print(text[text.rfind("\n", 0, start) + 1:] if start >= 0 else text, flush=True)
    s = summary(text)
    s["dropped"] = dropped_by_kind(os.path.join(args.report_dir, f"dropped-{mode}.txt"))
    return code, s


def dropped_by_kind(path):
    """How many ST202 failures hooks.py dropped, by operation and answer."""
    kinds = {}
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return kinds
    for line in lines:
        op, _, answer = line.partition(" -> ")
        # The answer without the varying parts: the status and the code, and for
        # 8001 the kind of reason ("phoneNumber: has the wrong length", ...).
        m = re.match(r'(\d+) \{"code":(\d+),"message":"(?:malformed request: )?([^:;"]*(?::[^;:"(]*)?)', answer)
        reason = re.sub(r" of [A-Z]{2}$", "", m.group(3).strip()) if m else ""
        key = f"{op}: {m.group(1)} / {m.group(2)} {reason}" if m else f"{op}: {answer[:60]}"
        kinds[key] = kinds.get(key, 0) + 1
    return kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--idv", required=True)
    ap.add_argument("--schemathesis", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--report-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.report_dir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="idv-st-")
    proc, base, client_id, client_secret = start_server(args.idv, workdir)
    results = {}
    try:
        print(f"== idv serve at {base} (database and logs in {workdir})", flush=True)
        token = fetch_token(base, client_id, client_secret)
        for mode in AUTH_MODES:
            results[mode] = run_mode(args, mode, base, token, workdir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("\n== schemathesis figures (operations tested, test cases generated, failures per check)")
    ok = True
    for mode, (code, s) in results.items():
        fails = ", ".join(f"{k}: {v}" for k, v in s["failures"].items()) or "none"
        status = {0: "passed", None: "timed out"}.get(code, f"FAILED (exit {code})")
        print(f"  {mode:5} token: {s['tested']}/{s['selected']} operations, "
              f"{s['generated']} test cases, failures: {fails} -> {status}")
        for kind, n in sorted(s.get("dropped", {}).items()):
            print(f"      dropped by hooks.py (ST202): {n} x {kind}")
        ok = ok and code == 0
    if ok:
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"the server's log and database are kept in {workdir}; "
              f"each run's full output in {args.report_dir}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

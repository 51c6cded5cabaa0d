"""Drives the schemathesis campaign against a fresh `idv serve` (see README.md).

Starts the server on a free loopback port with a temporary SQLite database, reads
the OAuth client and the workspace API token that it provisions and prints on its
first start, fetches an access token, then runs schemathesis over /openapi.json in
three auth modes (valid token, wrong token, no token). Each mode is two runs, one
per surface, split by path: the possession operations (everything outside /api/v1/)
get the OAuth access token, the verification operations (/api/v1/...) the
workspace token `<id>|<secret>`, so each surface is tested with its own credential
(and, in the wrong mode, with a wrong one of its own shape). Prints each run's
summary and a table of the figures, and exits non-zero when any run found a failure
or did not finish. Called by run.sh, which owns the virtual environment and the
build.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

AUTH_MODES = ("valid", "wrong", "none")
# The verification surface (Colleckt-compatible, workspace API tokens) is every
# path under /api/v1/; every other path is the possession surface (OAuth tokens).
VERIFICATION_PATHS = "^/api/v1/"
SURFACES = ("possession", "verification")
# Wrong tokens of each surface's shape, fixed for reproducible runs and never
# issued (tokens are random): 64 hexadecimal characters for an OAuth access token,
# `tok_` + 16 hex + `|` + 64 hex for a workspace API token (guard/auth.rs).
WRONG_TOKENS = {
    "possession": "5e" * 32,
    "verification": "tok_" + "5e" * 8 + "|" + "5e" * 32,
}


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
    client_id = client_secret = workspace_token = base = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (base is None or workspace_token is None):
        if proc.poll() is not None:
            sys.exit(f"idv serve exited with {proc.returncode}; see {err.name}")
        out.seek(0)
        for line in out.read().splitlines():
            words = line.split()
            if words[:1] == ["client_id:"]:
                client_id = words[1]
            elif words[:1] == ["client_secret:"]:
                client_secret = words[1]
            elif words[:1] == ["token:"]:
                workspace_token = words[1]
            elif words[:1] == ["curl"]:
                # The OAuth token request (the workspace's curl line lists verifications).
                url = next((w for w in words if w.startswith("http://") and w.endswith("/token")), None)
                if url:
                    base = url.removesuffix("/token")
        time.sleep(0.2)
    if not (client_id and client_secret and workspace_token and base):
        proc.kill()
        sys.exit("idv serve did not print its client, workspace token and address within 60 s")
    return proc, base, client_id, client_secret, workspace_token


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


def wait_for_budget(base):
    """Waits (at most 30 s) until /openapi.json answers 200: the run before may have
    spent this address's budget (requests without a client are limited per peer),
    and schemathesis gives up when loading the document gets a 429."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/openapi.json", timeout=10):
                time.sleep(1)
                return
        except urllib.error.HTTPError as e:
            if e.code != 429 or time.monotonic() > deadline:
                return
        time.sleep(1)


def run_mode(args, mode, surface, base, token, workdir):
    name = f"{mode}-{surface}"
    cmd = [
        args.schemathesis, "--config-file", args.config, "run", base + "/openapi.json",
        "--seed", os.environ.get("ST_SEED", "1"),
        "--max-examples", str(env_int("ST_MAX_EXAMPLES", 25)),
        "--report", "junit",
        "--report-junit-path", os.path.join(args.report_dir, f"junit-{name}.xml"),
        "--no-color",
    ]
    if surface == "verification":
        cmd += ["--include-path-regex", VERIFICATION_PATHS]
    else:
        cmd += ["--exclude-path-regex", VERIFICATION_PATHS]
    # Every mode keeps schemathesis.toml's 20 requests a second: requests that
    # name no client are limited per peer address at the surface's rate (25 a
    # second), and on the verification surface the missing_required_header check
    # (ST203) wants the 401 of a request without Authorization, not that 429.
    # Wrong tokens still meet the failed-authentication budget (20, then one a
    # second, catalog/limits.yaml): most of the wrong mode is answered with the
    # documented 429.
    if mode == "valid":
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if mode == "wrong":
        cmd += ["-H", "Authorization: Bearer " + WRONG_TOKENS[surface]]
    shown = ' '.join(c if not c.startswith('Authorization') else 'Authorization: Bearer …' for c in cmd[1:])
    print(f"\n== schemathesis, {surface} operations, {mode} token: {shown}", flush=True)
    wait_for_budget(base)
    budget = env_int("ST_MAX_TIME", 120)
    try:
        dropped = os.path.join(args.report_dir, f"dropped-{name}.txt")
        open(dropped, "w").close()
        env = dict(os.environ, ST_DROPPED_LOG=dropped)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, env=env,
                           cwd=os.path.dirname(os.path.abspath(args.config)))
        code, text = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        code, text = None, out + f"\nschemathesis did not finish within {budget} s (ST_MAX_TIME)\n"
    with open(os.path.join(args.report_dir, f"output-{name}.txt"), "w") as f:
        f.write(text)
    # Print the failures and the summary, not the progress lines.
    start = text.find("=== FAILURES")
    if start < 0:
        start = text.find("=== WARNINGS")
    if start < 0:
        start = text.find("=== SUMMARY")
    print(text[text.rfind("\n", 0, start) + 1:] if start >= 0 else text, flush=True)
    s = summary(text)
    s["dropped"] = dropped_by_kind(dropped)
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
    proc, base, client_id, client_secret, workspace_token = start_server(args.idv, workdir)
    results = {}
    try:
        print(f"== idv serve at {base} (database and logs in {workdir})", flush=True)
        tokens = {
            "possession": fetch_token(base, client_id, client_secret),
            "verification": workspace_token,
        }
        for mode in AUTH_MODES:
            for surface in SURFACES:
                results[(mode, surface)] = run_mode(args, mode, surface, base, tokens[surface], workdir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("\n== schemathesis figures (operations tested, test cases generated, failures per check)")
    ok = True
    for (mode, surface), (code, s) in results.items():
        fails = ", ".join(f"{k}: {v}" for k, v in s["failures"].items()) or "none"
        status = {0: "passed", None: "timed out"}.get(code, f"FAILED (exit {code})")
        print(f"  {mode:5} token, {surface:12}: {s['tested']}/{s['selected']} operations, "
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

#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/seeds/<target>/) from the
repository's real examples: the catalogue's example bodies and parameters
(docs/reference/catalog.json), the catalogue files (catalog/ and the base and bad
catalogues of idv-catalog's tests), and hand-picked bodies and headers.

Run it again after the catalogue changes: `python3 fuzz/make_seeds.py`.
The seeds are committed, so fuzz/run.sh needs no Python."""

import hashlib
import json
import pathlib
import shutil
import urllib.parse

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)
    cat = json.loads((ROOT / "docs/reference/catalog.json").read_text())
    surfaces = [s["name"] for s in cat["surfaces"]]

    for e in cat["errors"]:
        for ex in e.get("examples", []):
            body = json.dumps(ex["body"])
            write("wire_parse", f"{e['surface']} {e['status']}\n{body}")
            if e["surface"] == "firewall":
                write("wire_parse", f"signup {e['status']}\n{body}")
            write("omit_empty", body)
            write("template", e["message"] + "\0" + ex["body"].get("message", ""))
            write("wire_roundtrip", f"{e['id']}\n{json.dumps(ex.get('params', {}))}")
    # Bodies a client meets that are not catalogued.
    for s in surfaces:
        write("wire_parse", f"{s} 502\n" + '{"message": "Bad Gateway"}')
    write("wire_parse", 'possession 400\n{"code": "8001", "message": "x"}')
    write("wire_parse", 'signup 400\n{"data": {"errorCode": 7}, "message": ""}')
    write("wire_parse", 'verification 422\n{"message": "m", "errors": {"f": ["m"]}}')

    write("ratelimit", bytes(16) + b"X-RateLimit-Limit: 25\nX-RateLimit-Remaining: 3\n"
          b"X-RateLimit-Reset: 1767225600\nRetry-After: 7\n")
    write("ratelimit", bytes(16) + b"Retry-After: Sun, 06 Nov 1994 08:49:37 GMT\n")
    write("ratelimit", bytes(16) + b"Sun, 06 Nov 1994 08:49:37 GMT")

    write("omit_empty", '{"a": null, "b": [], "c": {}, "d": {"e": {"f": []}}, "g": [1, {}]}')

    # The request examples of every operation: JSON bodies, and the form of /token.
    for op in cat.get("operations", []):
        req = op.get("request") or {}
        ex = req.get("example")
        if not isinstance(ex, str):
            continue
        if req.get("content_type") == "application/x-www-form-urlencoded":
            form = "&".join(f"{k}={urllib.parse.quote_plus(str(v))}" for k, v in json.loads(ex).items())
            write("form", form)
        else:
            write("json_body", ex)
    write("json_body", '{"phoneNumber": "+15555550100", "consent": true}')
    write("json_body", "")
    write("json_body", "  \n")
    write("json_body", "[1, 2]")
    write("json_body", '{"a": ')
    write("form", "grant_type=client_credentials&client_id=abc&client_secret=s%2Fx%3D+y")
    write("form", "a=%zz%&&b&=c&d==e")

    files = []
    for base in [ROOT, ROOT / "crates/catalog/tests/data/base"]:
        files += [(p.relative_to(base).as_posix(), p) for p in sorted((base / "catalog").rglob("*"))
                  if p.is_file() and p.suffix in (".yaml", ".lock")]
    for bad in sorted((ROOT / "crates/catalog/tests/data/bad").glob("*/catalog")):
        files += [(p.relative_to(bad.parent).as_posix(), p) for p in sorted(bad.rglob("*"))
                  if p.is_file()]
    for rel, p in files:
        write("catalog", rel + "\n" + p.read_text())


if __name__ == "__main__":
    main()

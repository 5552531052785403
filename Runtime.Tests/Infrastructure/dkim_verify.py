#!/usr/bin/python3
"""Verifies the DKIM signature of .eml files with Debian's python3-dkim, independently of MimeKit.

Usage: /usr/bin/python3 dkim_verify.py RECORDS_JSON FILE...

RECORDS_JSON maps a DNS name ("selector._domainkey.example.com") to its TXT record ("v=DKIM1; k=rsa; p=...").
The records stand in for DNS: nothing is looked up on the network. A file passes when it has at least one
DKIM-Signature and every one of them verifies. Prints one JSON object
{file: {"ok": bool, "signatures": n, "log": "..."}} and exits 0 (1 when a file does not verify).
Debian's python modules load only in /usr/bin/python3; ed25519-sha256 needs python3-nacl.
"""
import io
import json
import logging
import sys

import dkim


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        records = {name.rstrip(".").lower(): txt for name, txt in json.load(f).items()}

    def dnsfunc(name, timeout=5):
        key = (name.decode("ascii") if isinstance(name, bytes) else name).rstrip(".").lower()
        txt = records.get(key)
        return txt.encode("ascii") if txt is not None else None

    results = {}
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        log = io.StringIO()
        logger = logging.getLogger("dkim." + path)
        logger.handlers = [logging.StreamHandler(log)]
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        checker = dkim.DKIM(data, logger=logger)
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
        ok = count > 0
        for idx in range(count):
            try:
                ok = bool(checker.verify(idx=idx, dnsfunc=dnsfunc)) and ok
            except dkim.DKIMException as e:
                ok = False
                log.write("signature %d: DKIMException: %s\n" % (idx, e))
        results[path] = {"ok": ok, "signatures": count, "log": log.getvalue()}

    print(json.dumps(results))
    sys.exit(0 if all(r["ok"] for r in results.values()) else 1)


if __name__ == "__main__":
    main()

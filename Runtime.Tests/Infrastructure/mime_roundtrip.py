#!/usr/bin/env python3
"""Round-trip check of messages TypedMail writes, on Python's standard library only.

Usage: python3 mime_roundtrip.py TOOLS_DIR FOLDER [--allow-8bit-headers]

For every FOLDER/NAME.eml:
  1. the independent checker TOOLS_DIR/mime_check.py runs on it (strict: any ERROR or WARN fails),
     which includes msg.defects on every part with policy.default;
  2. when FOLDER/NAME.json exists (what the test put into the message), the message is parsed with
     policy.default and every field is compared with it: addresses and display names, subject, Message-ID,
     Date, extra header fields, the text and HTML bodies, and each attachment's name, type, content id,
     disposition and exact bytes.
Prints one JSON object {name: {"ok": bool, "problems": [...], "structure": "..."}} and exits 1 when any
file fails. One process checks a whole folder, so thousands of messages take seconds.

Text bodies are compared with line breaks normalized (CRLF, CR, LF -> LF): MIME text is lines (RFC 2046 4.1.1).
mime_check.py hands header_factory the raw, folded field value; policy.default itself first removes the line
breaks (email.policy.EmailPolicy.header_fetch_parse), and Python 3.11.4+ raises on a folded address field that
is not unfolded. The checker is run with policy.default's own unfolding put back in front of header_factory.
Display names written as encoded-words are decoded with email.header.decode_header, which follows RFC 2047 6.2
(whitespace between adjacent encoded-words is dropped); policy.default's phrase parser keeps it.
"""
import datetime
import email.header
import email.utils
import hashlib
import json
import multiprocessing
import os
import re
import sys
from email import policy
from email.parser import BytesParser, Parser


class _Unfolding:
    """policy.default's header_factory preceded by the unfolding policy.default.header_fetch_parse does."""

    def __init__(self):
        self.compat32 = policy.compat32
        self.default = self
        self._linesep = re.compile(r"\r\n|\r|\n")

    def header_factory(self, name, value):
        return policy.default.header_factory(name, "".join(self._linesep.split(value)))


def normalize_lines(text):
    return re.sub(r"\r\n|\r", "\n", text)


def structure(part):
    if part.is_multipart():
        return part.get_content_type() + "(" + ",".join(structure(p) for p in part.iter_parts()) + ")"
    return part.get_content_type()


def mailboxes(header_default, raw_value):
    """[(display name, addr-spec)] of an address field."""
    if header_default is None:
        return []
    result = [(a.display_name, a.addr_spec) for a in header_default.addresses]
    if raw_value is not None and "=?" in str(raw_value):
        decoded = []
        for (name, addr), (_, spec) in zip(email.utils.getaddresses([str(raw_value)]), result):
            decoded.append((str(email.header.make_header(email.header.decode_header(name))) if name else "", spec))
        result = decoded
    return result


def compare(msg, raw_msg, expected, shape, problems):
    def check(what, actual, wanted):
        if actual != wanted:
            problems.append(f"{what}: expected {wanted!r}, got {actual!r}")

    for field in ("from", "reply-to", "to", "cc"):
        key = field.replace("-", "_")
        if key not in expected:
            continue
        wanted = expected[key]
        wanted = [] if wanted is None else (wanted if isinstance(wanted, list) else [wanted])
        check(field, mailboxes(msg[field], raw_msg[field]), [(m["name"] or "", m["address"]) for m in wanted])
    if "subject" in expected:
        check("subject", str(msg["subject"]) if msg["subject"] is not None else None, expected["subject"])
    if "message_id" in expected:
        check("message-id", str(msg["message-id"]).strip(), "<" + expected["message_id"] + ">")
    if "date" in expected:
        actual = email.utils.parsedate_to_datetime(str(msg["date"]))
        wanted = datetime.datetime.fromisoformat(expected["date"])
        check("date", (actual, actual.utcoffset()), (wanted, wanted.utcoffset()))
    for name, value in expected.get("headers", []):
        check("header " + name, [str(v) for v in msg.get_all(name, [])], [value])

    # policy.default parses a field again on every access: read each part's fields once.
    texts, htmls, attachments = [], [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        if disposition in ("attachment", "inline"):
            data = part.get_payload(decode=True) or b""
            cid = part["content-id"]
            attachments.append((part.get_filename() or "", hashlib.sha256(data).hexdigest(), len(data), ctype,
                                str(cid).strip() if cid is not None else None, disposition))
        elif ctype == "text/plain":
            texts.append(part)
        elif ctype == "text/html":
            htmls.append(part)
        else:
            problems.append(f"unexpected part {ctype}")
    if "text" in expected or "html" in expected:
        want_text, want_html = expected.get("text"), expected.get("html")
        if want_text is None and want_html is None:
            want_text = ""  # a message without bodies has one empty text/plain part
        for what, parts, wanted in (("text", texts, want_text), ("html", htmls, want_html)):
            if wanted is None:
                check(what + " parts", len(parts), 0)
            elif len(parts) != 1:
                problems.append(f"{what}: expected one part, found {len(parts)}")
            else:
                check(what, normalize_lines(parts[0].get_content()), normalize_lines(wanted))
    if "attachments" in expected:
        # Inline parts sit with the HTML in multipart/related, so the tree order differs from the list order.
        wanted = sorted(expected["attachments"], key=lambda a: (a["filename"], a["sha256"]))
        attachments.sort()
        check("attachment count", len(attachments), len(wanted))
        for i, (actual, want) in enumerate(zip(attachments, wanted)):
            cid = "<" + want["content_id"] + ">" if want.get("content_id") else None
            check(f"attachment {i} (filename, sha256, length, type, content-id, disposition)", actual,
                  (want["filename"], want["sha256"], want["length"], want["content_type"], cid, want["disposition"]))
    if "structure" in expected:
        check("structure", shape, expected["structure"])


def check_one(args):
    path, allow_8bit = args
    rep = mime_check.check_file(path, "crlf", allow_8bit)
    problems = [f"{severity} {code}: {message}" for severity, code, message in rep.items]
    with open(path, "rb") as f:
        raw = f.read()
    if allow_8bit:
        # RFC 6532: header fields in UTF-8 (BytesParser would read them as undecodable bytes).
        text = raw.decode("utf-8")
        msg = Parser(policy=policy.default).parsestr(text)
        raw_msg = Parser(policy=policy.compat32).parsestr(text)
    else:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        raw_msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    shape = structure(msg)
    manifest = path[:-4] + ".json"
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as f:
            expected = json.load(f)
        try:
            compare(msg, raw_msg, expected, shape, problems)
        except Exception as e:  # a crash in the parser is a failure of the message, not of the checker
            problems.append(f"round-trip raised {type(e).__name__}: {e}")
    return os.path.basename(path), {"ok": not problems, "problems": problems, "structure": shape}


def main(argv):
    folder = argv[2]
    allow_8bit = "--allow-8bit-headers" in argv[3:]
    paths = [(os.path.join(folder, n), allow_8bit) for n in sorted(os.listdir(folder)) if n.endswith(".eml")]
    if len(paths) > 50:
        with multiprocessing.Pool() as pool:
            results = dict(pool.map(check_one, paths, chunksize=25))
    else:
        results = dict(map(check_one, paths))
    json.dump(results, sys.stdout, ensure_ascii=True)
    return 0 if all(r["ok"] for r in results.values()) else 1


sys.path.insert(0, sys.argv[1])
import mime_check  # noqa: E402  (TOOLS_DIR comes from the command line)

mime_check.policy = _Unfolding()

if __name__ == "__main__":
    sys.exit(main(sys.argv))

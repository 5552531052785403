#!/usr/bin/python3
"""Loopback SMTP server for TypedMail's tests, on Debian's python3-aiosmtpd (run with /usr/bin/python3).

A server with rules a test can aim at, which the shared aiosmtpd_peer.py does not have:
  MAIL FROM whose local part starts with "reject-sender"  -> 553 5.7.1
  RCPT TO whose local part starts with "reject5"           -> 550 5.1.1
  RCPT TO whose local part starts with "reject4"           -> 451 4.2.1
  content with a line "X-Test-Reject: 554"                 -> 554 5.6.0 after the data
  content with a line "X-Test-Reject: 451"                 -> 451 4.3.0 after the data
  RCPT TO whose local part starts with "flaky-"            -> 451 4.3.0 the first time each address is seen
  a recipient whose local part starts with "drop-"         -> connection closed mid-DATA, the first time per Message-ID
  a recipient whose local part starts with "stall-"        -> DATA answered after --stall seconds, the first time per Message-ID
  anything else                                            -> 250, saved as NNNNNN.eml (exact bytes) in --save-dir
Every accepted message is also recorded, before the 250 reply, as one line "<message-id> <mail-from> <recipient,...>"
in --record (when given), with the envelope as the client sent it (MAIL FROM and RCPT TO; "<>" for the null sender),
so the queue's tests can count deliveries per message and the bounce tests can see the envelope sender.
AUTH XOAUTH2 (with --oauth2 USER TOKEN): accepts exactly that user and bearer token; any other token gets the
  error challenge real providers send (334 + base64 JSON), then 535 5.7.8 after the client's empty reply. Every
  token presented is appended to --record as "xoauth2 <token>", so a test can see the provider was asked again.
REQUIRETLS (with --requiretls, RFC 8689): offered in EHLO and taken as a MAIL FROM parameter; the record line of a
  message sent with it ends with " REQUIRETLS".
Options: --port, --save-dir, --record, --stall, --smtputf8, --implicit-tls CERT KEY (TLS from the first byte, RFC 8314),
  --oauth2 USER TOKEN (AUTH only over implicit TLS; required before MAIL), --requiretls.
Prints "smtp-test-server listening on HOST:PORT" when ready. Only ever binds loopback.
"""
import argparse
import asyncio
import base64
import binascii
import email
import json
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult


class RequireTlsSMTP(SMTP):
    """aiosmtpd with REQUIRETLS: the parameter is taken off MAIL FROM (aiosmtpd refuses unknown ones) and remembered."""

    async def smtp_MAIL(self, arg):
        words = (arg or "").split()
        self.session.requiretls = any(w.upper() == "REQUIRETLS" for w in words)
        await super().smtp_MAIL(" ".join(w for w in words if w.upper() != "REQUIRETLS") or arg)


class RequireTlsController(Controller):
    def factory(self):
        return RequireTlsSMTP(self.handler, **self.SMTP_kwargs)


class Handler:
    def __init__(self, save_dir, record_path, stall, oauth2, requiretls=False):
        self.save_dir = save_dir
        self.record = open(record_path, "a", buffering=1) if record_path else None
        self.stall = stall
        self.oauth2 = oauth2
        self.requiretls = requiretls
        self.seen = set()
        self.count = 0
        self.lock = threading.Lock()

    def first_time(self, key):
        with self.lock:
            if key in self.seen:
                return False
            self.seen.add(key)
            return True

    async def auth_XOAUTH2(self, server, args):
        if self.oauth2 is None:
            return AuthResult(success=False, handled=False, message="504 5.5.4 XOAUTH2 not enabled")
        try:
            blob = base64.b64decode(args[1], validate=True).decode() if len(args) > 1 else ""
        except (binascii.Error, UnicodeDecodeError):
            return AuthResult(success=False, handled=False, message="501 5.5.2 Cannot decode the response")
        fields = dict(part.split("=", 1) for part in blob.split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        if self.record:
            with self.lock:
                self.record.write("xoauth2 " + token + "\n")
        if (fields.get("user"), token) == self.oauth2:
            return AuthResult(success=True, handled=False)
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail.example/"}))
        return AuthResult(success=False, handled=False)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.requiretls:
            responses.insert(-1, "250-REQUIRETLS")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.oauth2 is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if address.split("@")[0].startswith("reject-sender"):
            return "553 5.7.1 Sender address rejected"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject5"):
            return "550 5.1.1 No such user here"
        if local.startswith("reject4"):
            return "451 4.2.1 Mailbox busy, try again later"
        if local.startswith("flaky-") and self.first_time("rcpt:" + address):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if b"\r\nX-Test-Reject: 554\r\n" in data:
            return "554 5.6.0 Content rejected"
        if b"\r\nX-Test-Reject: 451\r\n" in data:
            return "451 4.3.0 Try again later"
        message_id = (email.message_from_bytes(data).get("Message-ID") or "").strip("<> ")
        locals_ = [r.split("@")[0] for r in envelope.rcpt_tos]
        if any(l.startswith("drop-") for l in locals_) and self.first_time("drop:" + message_id):
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if any(l.startswith("stall-") for l in locals_) and self.first_time("stall:" + message_id):
            await asyncio.sleep(self.stall)
        if self.record:
            flags = " REQUIRETLS" if getattr(session, "requiretls", False) else ""
            with self.lock:
                self.record.write(message_id + " " + (envelope.mail_from or "<>") + " " + ",".join(envelope.rcpt_tos) + flags + "\n")
        with self.lock:
            self.count += 1
            n = self.count
        if self.save_dir:
            with open(os.path.join(self.save_dir, f"{n:06d}.eml"), "wb") as f:
                f.write(data)
        return "250 2.0.0 Queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--save-dir")
    p.add_argument("--record")
    p.add_argument("--stall", type=float, default=5.0)
    p.add_argument("--smtputf8", action="store_true")
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--oauth2", nargs=2, metavar=("USER", "TOKEN"))
    p.add_argument("--requiretls", action="store_true")
    a = p.parse_args()
    if not a.host.startswith("127."):
        raise SystemExit("refusing to bind a non-loopback address")
    if a.save_dir:
        os.makedirs(a.save_dir, exist_ok=True)
    kwargs = dict(hostname=a.host, port=a.port, server_hostname="smtp-test-server", enable_SMTPUTF8=a.smtputf8)
    if a.implicit_tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*a.implicit_tls)
        kwargs["ssl_context"] = ctx
    if a.oauth2:
        if not a.implicit_tls:
            raise SystemExit("--oauth2 needs --implicit-tls: tokens only over TLS")
        # aiosmtpd counts only STARTTLS as TLS for AUTH; this connection is TLS from its first byte.
        kwargs.update(auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"])
    handler = Handler(a.save_dir, a.record, a.stall, tuple(a.oauth2) if a.oauth2 else None, a.requiretls)
    controller = (RequireTlsController if a.requiretls else Controller)(handler, **kwargs)
    controller.start()
    print(f"smtp-test-server listening on {a.host}:{a.port}", flush=True)
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

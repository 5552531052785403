#!/usr/bin/python3
"""Loopback SMTP server for TypedMail's tests, on Debian's python3-aiosmtpd (run with /usr/bin/python3).

A server with rules a test can aim at, which the shared aiosmtpd_peer.py does not have:
  MAIL FROM whose local part starts with "reject-sender"  -> 553 5.7.1
  RCPT TO whose local part starts with "reject5"           -> 550 5.1.1
  RCPT TO whose local part starts with "reject4"           -> 451 4.2.1
  content with a line "X-Test-Reject: 554"                 -> 554 5.6.0 after the data
  content with a line "X-Test-Reject: 451"                 -> 451 4.3.0 after the data
  anything else                                            -> 250, saved as NNNNNN.eml (exact bytes) in --save-dir
Options: --port, --save-dir, --smtputf8, --implicit-tls CERT KEY (TLS from the first byte, RFC 8314).
Prints "smtp-test-server listening on HOST:PORT" when ready. Only ever binds loopback.
"""
import argparse
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, save_dir):
        self.save_dir = save_dir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
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
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if b"\r\nX-Test-Reject: 554\r\n" in data:
            return "554 5.6.0 Content rejected"
        if b"\r\nX-Test-Reject: 451\r\n" in data:
            return "451 4.3.0 Try again later"
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
    p.add_argument("--smtputf8", action="store_true")
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
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
    controller = Controller(Handler(a.save_dir), **kwargs)
    controller.start()
    print(f"smtp-test-server listening on {a.host}:{a.port}", flush=True)
    stop = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

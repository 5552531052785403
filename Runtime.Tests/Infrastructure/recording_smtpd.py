"""A real SMTP server (aiosmtpd) for the queue's crash and fault tests.

Every message it accepts is recorded, before the 250 reply, as one line "<message-id> <recipient,...>" in the
record file, so a test can count deliveries. Faults are chosen by the recipient's local part, so outcomes are
deterministic:
  reject-*   550 5.1.1 at RCPT, always
  flaky-*    451 4.3.0 at RCPT the first time each address is seen
  drop-*     the connection is closed in the middle of DATA, the first time each message is seen
  stall-*    DATA is answered after --stall seconds, the first time each message is seen
Run with /usr/bin/python3 (Debian's aiosmtpd). Prints "ready" when listening; stops on SIGTERM.
"""
import argparse
import asyncio
import email
import signal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, record_path, stall):
        self.record = open(record_path, "a", buffering=1)
        self.stall = stall
        self.seen = set()

    def first_time(self, key):
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject-"):
            return "550 5.1.1 No such user"
        if local.startswith("flaky-") and self.first_time("rcpt:" + address):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message_id = (message.get("Message-ID") or "").strip("<> ")
        locals_ = [r.split("@")[0] for r in envelope.rcpt_tos]
        if any(l.startswith("drop-") for l in locals_) and self.first_time("drop:" + message_id):
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        if any(l.startswith("stall-") for l in locals_) and self.first_time("stall:" + message_id):
            await asyncio.sleep(self.stall)
        self.record.write(message_id + " " + ",".join(envelope.rcpt_tos) + "\n")
        self.record.flush()
        return "250 2.0.0 Queued as " + message_id


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--stall", type=float, default=5.0)
    args = parser.parse_args()
    controller = Controller(Recorder(args.record, args.stall), hostname="127.0.0.1", port=args.port,
                            server_kwargs={"timeout": 60})
    controller.start()
    print("ready", flush=True)
    stop = asyncio.new_event_loop()
    signal.signal(signal.SIGTERM, lambda *_: stop.call_soon_threadsafe(stop.stop))
    stop.run_forever()
    controller.stop()


if __name__ == "__main__":
    main()

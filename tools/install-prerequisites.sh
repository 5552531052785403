#!/usr/bin/env bash
# Installs the real servers the tests run against on loopback: PostgreSQL 15, postfix's smtp-sink/smtp-source
# (the postfix daemon is never started), aiosmtpd (STARTTLS + AUTH peer), python3-dkim (an independent DKIM verifier,
# with python3-nacl for ed25519), swaks, Chromium for preview tests, and Dovecot's IMAP server
# (dovecot-imapd: the bounce mailbox; the system daemon is never started, the tests run private instances).
# Idempotent: does nothing when everything is present. Needs root (or sudo) on Debian.
set -euo pipefail

missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ] || missing+=(postfix)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
/usr/bin/python3 -c 'import dkim, nacl' >/dev/null 2>&1 || missing+=(python3-dkim python3-nacl)
command -v swaks >/dev/null 2>&1 || missing+=(swaks)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)

if [ ${#missing[@]} -eq 0 ]; then
  echo "prerequisites: all present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "prerequisites: missing ${missing[*]}; run this script as root" >&2; exit 1; }
  SUDO=sudo
fi

echo "prerequisites: installing ${missing[*]}"
$SUDO apt-get update -qq
# Keep postfix's installer from configuring an Internet MTA: only smtp-sink and smtp-source are used.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "prerequisites: done"

#!/usr/bin/env bash
# The crash torture: deskd serve against a real Dovecot (started privately, as root), killed with
# SIGKILL at random moments while requests pour in, then everything counted — every request one
# ticket, one acknowledgement and one assignment notice, none lost, and a duplicate send (the same
# Message-ID accepted twice by the SMTP sink) only right after a kill, one per connection at most.
#
#   test/crash.sh [MAILS [KILLS]]      default 2000 mails, 50 kills (two minutes or so)
#   DESKD_CRASH_SEED=N test/crash.sh   repeat a run's random moments (each run prints its seed)
#
# One line on success. On failure, what failed, and where the whole log is.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export DESKD_CRASH_MAILS="${1:-2000}" DESKD_CRASH_KILLS="${2:-50}"
log=$(mktemp "${TMPDIR:-/tmp}/deskd-crash.XXXXXX")
if go test -tags crash -run '^TestCrashTorture$' -count=1 -v -timeout 60m ./cmd/deskd >"$log" 2>&1 &&
	grep -q '^--- PASS: TestCrashTorture' "$log"; then
	grep '^crash:' "$log"
	rm -f "$log"
else
	grep -E '^(crash:|--- (FAIL|SKIP)|FAIL|panic)|^ +crash_test\.go:' "$log" | grep -v '^ *crash_test.go:[0-9]*: crash:' || tail -50 "$log"
	echo "test/crash.sh failed; the whole log: $log"
	exit 1
fi

#!/usr/bin/env bash
# The failover test: two deskd serve on one PostgreSQL database (a private cluster, or the one
# $DESKD_TEST_DATABASE names) and a real Dovecot (started privately, as root); the instance that
# reads the mailbox is killed with SIGKILL in the middle of batches, several times, and started
# again each time. Then everything is counted — every request one ticket, one acknowledgement
# and one assignment notice, none lost, none doubled, duplicate sends counted — and the other
# instance must have taken the mailbox over within 10 s of each kill.
#
#   test/failover.sh [MAILS [KILLS]]      default 2000 mails, 5 kills
#   DESKD_FAILOVER_SEED=N test/failover.sh   repeat a run's random moments
#
# One line on success. On failure, what failed, and where the whole log is.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export DESKD_FAILOVER_MAILS="${1:-2000}" DESKD_FAILOVER_KILLS="${2:-5}"
log=$(mktemp "${TMPDIR:-/tmp}/deskd-failover.XXXXXX")
if go test -tags crash -run '^TestPostgresFailover$' -count=1 -v -timeout 60m ./cmd/deskd >"$log" 2>&1 &&
	grep -q '^--- PASS: TestPostgresFailover' "$log"; then
	grep '^failover:' "$log"
	rm -f "$log"
else
	grep -E '^(failover:|--- (FAIL|SKIP)|FAIL|panic)|^ +failover_test\.go:' "$log" | grep -v '^ *failover_test.go:[0-9]*: failover:' || tail -50 "$log"
	echo "test/failover.sh failed; the whole log: $log"
	exit 1
fi

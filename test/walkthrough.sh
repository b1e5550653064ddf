#!/usr/bin/env bash
# The new user's walkthrough: from a fresh clone to a running `deskd serve` against a real
# Postfix and a real Dovecot, following the README's "Run it for real" word for word. Every
# command it runs is read from README.md (it stops if the README no longer says it), with this
# machine's paths and servers in place of the README's: /usr/local/bin, /etc/deskd and
# /var/lib/deskd under a directory of its own, imap.corp.example:993 and smtp.corp.example:587
# replaced by a Dovecot and a Postfix it starts as private instances (their own configuration
# and state, loopback ports, stopped at the end).
#
# Then people write: a request goes through Postfix into the desk's mailbox in Dovecot; its
# acknowledgement must arrive in the requester's Maildir, and the assignment notice in the
# technician's; the technician answers "#resolve NOTE" from her mail client (swaks), and the
# resolution must arrive in the requester's Maildir.
#
#   test/walkthrough.sh          the whole walk: also a thank-you that must not reopen the ticket,
#                                a coordinator's action from the CLI, `ticket show`, SIGHUP, SIGTERM
#   test/walkthrough.sh --short  what CI runs: build, configure, check, serve, request, ack, resolve
#
# Needs root (Dovecot and Postfix switch users), postfix, dovecot-imapd, swaks, git and Go.
# The commit walked is HEAD of the repository this script is in; uncommitted changes are not.
set -euo pipefail

short=false
case "${1:-}" in
--short) short=true ;;
"") ;;
*) echo "usage: $0 [--short]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
begin=$SECONDS

say() { echo "walkthrough: $*"; }
fail() {
	echo "walkthrough: FAILED: $*" >&2
	for f in "$root/deskd.log" "$root/postfix/maillog" "$root/dovecot/dovecot.log"; do
		if [ -s "$f" ]; then echo "--- $f (last 40 lines)" >&2; tail -n 40 "$f" >&2; fi
	done
	exit 1
}

for need in postfix dovecot swaks git go; do
	command -v "$need" >/dev/null || PATH="$PATH:/usr/sbin:/sbin:/usr/local/go/bin"
	command -v "$need" >/dev/null || { echo "walkthrough: $need is not installed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "walkthrough: run it as root: Dovecot and Postfix switch users" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/deskd-walkthrough.XXXXXX")
chmod 755 "$root" # Dovecot's and Postfix's mail processes (uid 65534) walk down to the Maildirs.
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	[ -f "$root/postfix/etc/main.cf" ] && postfix -c "$root/postfix/etc" stop >/dev/null 2>&1 || true
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	rm -rf "$root"
}
trap cleanup EXIT

. "$repo/test/lib.sh" # free_port
imap_port=$(free_port)
smtp_port=$(free_port)
while [ "$smtp_port" = "$imap_port" ]; do smtp_port=$(free_port); done

# waitfor SECONDS WHAT CMD...: runs CMD every 0.2 s until it succeeds.
waitfor() {
	local limit=$1 what=$2
	shift 2
	local until=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $until ] || fail "waited ${limit}s for $what"
		sleep 0.2
	done
}

# --- The mail system: a Dovecot and a Postfix of the walkthrough's own ----------------------

mail="$root/mail" # The Maildirs, one per person: $mail/LOCALPART/Maildir.
mkdir -p "$mail" "$root/dovecot" "$root/postfix/etc" "$root/postfix/queue" "$root/postfix/data"
chown 65534:65534 "$mail"

cat >"$root/dovecot/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $root/dovecot/run
state_dir = $root/dovecot/state
log_path = $root/dovecot/dovecot.log
info_log_path = $root/dovecot/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $root/dovecot/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$mail/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
EOF
echo "helpdesk:{PLAIN}secret" >"$root/dovecot/passwd"
dovecot -F -c "$root/dovecot/dovecot.conf" >>"$root/dovecot/dovecot.log" 2>&1 &
pids+=($!)

# Postfix delivers mail for corp.example into the Maildirs, as Dovecot reads them; it takes
# mail from 127.0.0.1 on its port without login, as a site's relay takes the servers' mail.
cat >"$root/postfix/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $root/postfix/queue
data_directory = $root/postfix/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $root/postfix/maillog
maillog_file_prefixes = $root
myhostname = mail.corp.example
mydomain = corp.example
myorigin = corp.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
alias_maps =
alias_database =
recipient_delimiter = +
virtual_mailbox_domains = corp.example
virtual_mailbox_base = $mail
virtual_mailbox_maps = texthash:$root/postfix/etc/mailboxes
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
EOF
cat >"$root/postfix/etc/master.cf" <<EOF
127.0.0.1:$smtp_port inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
virtual   unix  - n n -  - virtual
smtp      unix  - - n -  - smtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
# A Maildir for each person of the sample desk and of the walk; anyone else's mail bounces.
for who in helpdesk alice bob chloe dev nadia sam paul.durand; do
	echo "$who@corp.example $who/Maildir/"
done >"$root/postfix/etc/mailboxes"
chown postfix "$root/postfix/data"
postfix -c "$root/postfix/etc" start >/dev/null 2>&1 || fail "postfix did not start"

waitfor 30 "Dovecot on 127.0.0.1:$imap_port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$imap_port"
waitfor 30 "Postfix on 127.0.0.1:$smtp_port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$smtp_port"
say "Dovecot (IMAP 127.0.0.1:$imap_port) and Postfix (SMTP 127.0.0.1:$smtp_port) started"

# --- The README, word for word ----------------------------------------------------------------

# local replaces the README's paths and servers by the walkthrough's.
local_() {
	local s=$1
	s=${s//\/usr\/local\/bin/$root/usr/local/bin}
	s=${s//\/etc\/deskd/$root/etc/deskd}
	s=${s//\/var\/lib\/deskd/$root/var/lib/deskd}
	s=${s//imap.corp.example:993/127.0.0.1:$imap_port}
	s=${s//smtp.corp.example:587/127.0.0.1:$smtp_port}
	printf '%s' "$s"
}
# readme CMD: the README says CMD, word for word; run it here.
readme() {
	grep -qF -- "$1" "$readme" || fail "README.md no longer says: $1"
	eval "$(local_ "$1")"
}
# readme_daemon CMD: likewise, in the background, as its own process ($! is its pid).
readme_daemon() {
	grep -qF -- "$1" "$readme" || fail "README.md no longer says: $1"
	eval "exec $(local_ "$1")" &
}
# edit TABLE 'KEY = VALUE': the README says to write KEY = VALUE; write it in TABLE of the file.
edit() {
	local table=$1 line=$2
	grep -qF -- "\`$line\`" "$readme" || fail "README.md no longer says to write: $line"
	line=$(local_ "$line")
	local key=${line%% =*}
	awk -v table="$table" -v key="$key" -v line="$line" '
		/^\[/ { cur = $0; sub(/^\[+/, "", cur); sub(/\].*/, "", cur) }
		cur == table && !done && $0 ~ "^" key " *=" {
			c = index($0, " #"); $0 = line (c ? substr($0, c) : ""); done = 1 }
		{ print }
		END { if (!done) exit 1 }' "$config" >"$config.new" || fail "no key $key in [$table] of deskd.toml"
	mv "$config.new" "$config"
}

mkdir -p "$root/usr/local/bin" "$root/etc" "$root/var/lib/deskd"
export PATH="$root/usr/local/bin:$PATH"
src="$root/src"
git clone --quiet --no-checkout "$repo" "$src"
git -C "$src" checkout --quiet "$(git -C "$repo" rev-parse HEAD)"
cd "$src"
readme="$src/README.md" # The README of the commit walked.

# 1. Build and install.
readme 'go build -o /usr/local/bin/deskd ./cmd/deskd'
[ -x "$root/usr/local/bin/deskd" ] || fail "go build did not install deskd"
say "1. built and installed: $(deskd version)"

# 2. Write the configuration, and edit it as the README says.
readme 'deskd init /etc/deskd --address helpdesk@corp.example --language fr --imap imap.corp.example:993 --smtp smtp.corp.example:587' >/dev/null
config="$root/etc/deskd/deskd.toml"
[ -f "$config" ] || fail "deskd init wrote no $config"
edit desk 'database = "/var/lib/deskd/deskd.db"'
edit desk 'secret_file = "/var/lib/deskd/deskd.secret"'
edit imap 'username = "helpdesk"'
edit smtp 'username = ""'
edit imap 'security = "none"'
edit smtp 'security = "none"'
readme 'install -m 600 /dev/null /etc/deskd/deskd.env'
echo "DESKD_IMAP_PASSWORD=secret" >>"$root/etc/deskd/deskd.env"
say "2. configured $config"

# 3. Check it.
readme 'set -a; . /etc/deskd/deskd.env; set +a'
out=$(readme 'deskd check --config /etc/deskd/deskd.toml') || fail "deskd check: $out"
grep -q "imap 127.0.0.1:$imap_port: ok" <<<"$out" || fail "deskd check does not reach IMAP: $out"
grep -q "smtp 127.0.0.1:$smtp_port: ok" <<<"$out" || fail "deskd check does not reach SMTP: $out"
grep -q "database $root/var/lib/deskd/deskd.db: does not exist (deskd serve would create it" <<<"$out" || fail "deskd check does not say where serve puts the database: $out"
[ ! -e "$root/var/lib/deskd/deskd.db" ] || fail "deskd check created the database"
say "3. deskd check: $(tr '\n' ';' <<<"$out")"

# 4. Serve.
readme_daemon 'deskd serve --config /etc/deskd/deskd.toml' >"$root/deskd.log" 2>&1
serve=$!
pids+=("$serve")
waitfor 30 "deskd serve to start" grep -q "deskd serving" "$root/deskd.log"
[ -f "$root/var/lib/deskd/deskd.db" ] || fail "the database is not where the README put it"
say "4. deskd serve is running"

# 5. The unit runs what the README installed, with its configuration and state.
unit="$src/deploy/deskd.service"
grep -qx 'ExecStart=/usr/local/bin/deskd serve --config /etc/deskd/deskd.toml' "$unit" || fail "deploy/deskd.service does not run /usr/local/bin/deskd serve --config /etc/deskd/deskd.toml"
grep -qx 'EnvironmentFile=/etc/deskd/deskd.env' "$unit" || fail "deploy/deskd.service does not load /etc/deskd/deskd.env"
grep -qx 'StateDirectory=deskd' "$unit" || fail "deploy/deskd.service keeps no state in /var/lib/deskd"
grep -qF 'cp deploy/deskd.service /etc/systemd/system/' "$readme" || fail "README.md no longer installs deploy/deskd.service"

# --- People write ------------------------------------------------------------------------------

# maildir WHO KIND: the path of the mail of X-Deskd-Kind KIND in WHO's Maildir, if any.
maildir() {
	{ grep -lsE "^X-Deskd-Kind: $2"$'\r'"?\$" "$mail/$1/Maildir/new/"* "$mail/$1/Maildir/cur/"* || true; } | head -n 1
}
has() { [ -n "$(maildir "$1" "$2")" ]; }
# header FILE NAME: a header's value, folded lines joined.
header() {
	awk -v name="$2" '
		{ sub(/\r$/, "") }
		/^$/ { exit }
		/^[ \t]/ { if (on) v = v " " substr($0, 2); next }
		{ on = 0 }
		tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":" { v = substr($0, length(name) + 2); on = 1 }
		END { gsub(/^[ \t]+|[ \t\r]+$/, "", v); print v }' "$1"
}
send() { swaks --server "127.0.0.1:$smtp_port" --silent 2 "$@" || fail "swaks $*"; }
utf8=(--add-header "MIME-Version: 1.0" --add-header "Content-Type: text/plain; charset=utf-8" --add-header "Content-Transfer-Encoding: 8bit")

send --from paul.durand@corp.example --to helpdesk@corp.example "${utf8[@]}" \
	--header "From: Paul Durand <paul.durand@corp.example>" \
	--header "Subject: =?utf-8?q?Imprimante_bloqu=C3=A9e_au_2e_=C3=A9tage?=" \
	--body $'Bonjour,\n\nL\'imprimante du 2e étage affiche « bourrage papier » et n\'imprime plus rien.\n\nMerci,\nPaul Durand'
waitfor 60 "the acknowledgement in Paul's Maildir" has paul.durand ack
ack=$(maildir paul.durand ack)
[ "$(header "$ack" Content-Language)" = fr ] || fail "the acknowledgement is not in French"
grep -q '\[HD[ _]#1\]' <<<"$(header "$ack" Subject)" || fail "the acknowledgement's subject lacks [HD #1]: $(header "$ack" Subject)"
say "a request through Postfix: acknowledged in Paul's Maildir, in French, [HD #1] in the subject"

waitfor 60 "the assignment notice in Alice's Maildir" has alice assigned
notice=$(maildir alice assigned)
id=$(header "$notice" Message-ID)
to=$(header "$notice" Reply-To)
[ -n "$to" ] || to=$(header "$notice" From)
to=$(sed -E 's/.*<([^>]+)>.*/\1/' <<<"$to")
send --from alice@corp.example --to "$to" "${utf8[@]}" \
	--header "From: Alice Martin <alice@corp.example>" \
	--header "Subject: RE: $(header "$notice" Subject)" \
	--header "In-Reply-To: $id" --header "References: $(header "$notice" References) $id" \
	--body $'#resolve Bourrage retiré, l\'imprimante imprime de nouveau.\n\nAlice\n\nLe 26/11/2026 à 10:05, Support Informatique a écrit :\n> Nouveau ticket [HD #1]'
waitfor 60 "the resolution in Paul's Maildir" has paul.durand resolved
grep -q "Bourrage retir" "$(maildir paul.durand resolved)" || fail "the resolution mail lacks Alice's note"
say "Alice answered #resolve from her mail: the resolution is in Paul's Maildir"

if ! $short; then
	# A thank-you does not reopen the ticket.
	resolved=$(maildir paul.durand resolved)
	rid=$(header "$resolved" Message-ID)
	send --from paul.durand@corp.example --to "$(sed -E 's/.*<([^>]+)>.*/\1/' <<<"$(header "$resolved" Reply-To)")" "${utf8[@]}" \
		--header "From: Paul Durand <paul.durand@corp.example>" --header "Subject: RE: $(header "$resolved" Subject)" \
		--header "In-Reply-To: $rid" --header "References: $rid" --body $'Merci beaucoup !\n\nPaul Durand\nService Achats'
	waitfor 60 "the thank-you on ticket 1" bash -c "deskd ticket show 1 --config '$config' | grep -q 'Merci beaucoup'"
	show=$(deskd ticket show 1 --config "$config")
	grep -q "status resolved" <<<"$show" || fail "a thank-you reopened the ticket: $show"
	grep -Eq "created [0-9-]+ [0-9:]+ (CET|CEST)" <<<"$show" || fail "ticket show is not in the desk's time zone: $show"
	say "Paul's thank-you is recorded; the ticket stays resolved"

	# A coordinator's action from the CLI, the IMAP password not in its environment.
	out=$(env -u DESKD_IMAP_PASSWORD deskd --config "$config" ticket note 1 "Imprimante à remplacer l'an prochain.") || fail "ticket note: $out"
	say "a coordinator's note from the CLI, without the IMAP password: $(tr '\n' ' ' <<<"$out")"

	# SIGHUP reloads; SIGTERM stops with status 0.
	kill -HUP "$serve"
	waitfor 30 "the reload" grep -q "configuration reloaded" "$root/deskd.log"
	kill -TERM "$serve"
	status=0
	wait "$serve" || status=$?
	[ "$status" = 0 ] || fail "deskd serve exited $status after SIGTERM"
	say "SIGHUP reloaded, SIGTERM stopped deskd serve with status 0"
fi

grep -q "level=ERROR" "$root/deskd.log" && fail "deskd serve logged an error"
say "done in $((SECONDS - begin))s"

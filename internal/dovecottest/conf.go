// Package dovecottest holds what the tests and benchmarks that run a Dovecot of their own share.
package dovecottest

// Conf is a private Dovecot's configuration: IMAP only, on 127.0.0.1 at {PORT}, everything
// (state, logs, the users' Maildirs under home/USER) in the directory {D}, plain logins
// checked against {D}/passwd, mail processes as nobody (uid and gid 65534). Replace {D} and
// {PORT} before writing it.
const Conf = `protocols = imap
listen = 127.0.0.1
base_dir = {D}/run
state_dir = {D}/state
log_path = {D}/dovecot.log
info_log_path = {D}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {D}/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home={D}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {PORT}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`

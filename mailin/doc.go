// Package mailin reads incoming mail for the desk.
//
// Parse turns raw RFC 5322 bytes into a Message: decoded headers, the best
// body text (text/plain preferred, else HTML converted to text, else the body
// of a TNEF winmail.dat), attachments (including those hidden in uuencoded
// bodies and winmail.dat), and a Verdict saying whether a person wrote it or
// a machine did (auto-reply, bounce, feedback report, bulk mail, or one of
// the desk's own mails coming back). Parse is lenient: broken MIME, unknown
// charsets and wrong transfer encodings are recovered from and recorded in
// Message.Problems; it never panics.
//
// Parse of the header alone gives the verdict the header supports, so that
// the ingest loop can skip machine mail before downloading the body.
//
// The verdict rules follow RFC 3834 (automatic responses), RFC 3464 and
// RFC 6522 (delivery status notifications), RFC 5965 (abuse feedback reports)
// and RFC 2369/2919 (mailing lists), plus the habits of common servers
// (Exchange out-of-office, MAILER-DAEMON bounces).
package mailin

// Package oauth gets deskd the OAuth 2.0 access tokens that Microsoft 365 and Google Workspace
// want instead of passwords for IMAP and SMTP, and speaks the SASL mechanisms that carry them
// (XOAUTH2, and OAUTHBEARER of RFC 7628).
//
// Config is the [oauth2] section. Login is `deskd oauth login`: the device flow (RFC 8628), the
// authorization code flow with PKCE and a loopback redirect (RFC 7636, RFC 8252), or nothing to
// do for the client credentials flow. It keeps the refresh token in a token file (0600),
// replaced atomically. ReadStatus is `deskd oauth status`.
//
// At run time one Source serves IMAP and SMTP: Token refreshes the access token before it
// expires, keeps a refresh token the provider rotates, and turns a refusal only a person can cure
// (invalid_grant: a revoked or expired login) into an *AuthError naming the fix, logged once.
// Refused and Authenticate let a client whose token the server refused retry once with a new
// one.
//
// XOAuth2 and OAuthBearer are SASL clients for go-imap v2 (Client.Authenticate); SMTPAuth adapts
// them to go-mail (mail.WithSMTPAuthCustom).
//
// The package oauthtest holds a small identity provider, SASL-checking SMTP server and an
// OAuth-protected Dovecot for tests.
package oauth

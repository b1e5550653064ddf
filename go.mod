module github.com/deskd/deskd

go 1.26.8

require (
	github.com/emersion/go-message v0.18.2
	golang.org/x/net v0.56.0
	golang.org/x/text v0.40.0
)

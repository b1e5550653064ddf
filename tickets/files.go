package tickets

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// AttachmentData returns one attachment of a ticket with its content (nil when it was over the
// size limit, or pruned). public reports whether it came with something the requester sees: a
// mail of the conversation or a public answer.
func (s *Store) AttachmentData(ctx context.Context, ticketID, id int64) (a Attachment, data []byte, public bool, err error) {
	var messageID string
	err = s.r.QueryRowContext(ctx, `SELECT a.id, a.ticket_id, a.name, a.content_type, a.size, a.omitted,
			COALESCE(a.data, (SELECT d.data FROM attachments d WHERE d.id = a.same_as AND a.same_as != 0)), a.message_id
		FROM attachments a WHERE a.id = ? AND a.ticket_id = ?`, id, ticketID).
		Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.Omitted, &data, &messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil, false, fmt.Errorf("attachment %d of ticket %d: %w", id, ticketID, ErrNoTicket)
	}
	if err != nil {
		return a, nil, false, fmt.Errorf("attachment: %w", err)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE ticket_id = ? AND message_id = ? AND public != 0`,
		ticketID, messageID).Scan(&n); err != nil {
		return a, nil, false, fmt.Errorf("attachment: %w", err)
	}
	return a, data, n > 0, nil
}

// PublicAttachments lists the attachments of a ticket that came with what the requester sees.
func (s *Store) PublicAttachments(ctx context.Context, ticketID int64) ([]Attachment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, ticket_id, name, content_type, size, omitted FROM attachments a
		WHERE ticket_id = ? AND EXISTS (SELECT 1 FROM events e WHERE e.ticket_id = a.ticket_id
			AND e.message_id = a.message_id AND e.message_id != '' AND e.public != 0) ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("public attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.Omitted); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AttachmentSources maps a ticket's attachments to the Message-ID of what they came with.
func (s *Store) AttachmentSources(ctx context.Context, ticketID int64) (map[int64]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, message_id FROM attachments WHERE ticket_id = ?`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("attachment sources: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var mid string
		if err := rows.Scan(&id, &mid); err != nil {
			return nil, err
		}
		out[id] = mid
	}
	return out, rows.Err()
}

// Names returns the display names the desk knows of addresses (from their mails); addresses
// without one are left out.
func (s *Store) Names(ctx context.Context, emails []string) (map[string]string, error) {
	out := map[string]string{}
	for _, e := range emails {
		e = strings.ToLower(e)
		if _, done := out[e]; done || e == "" {
			continue
		}
		var name string
		err := s.r.QueryRowContext(ctx, `SELECT name FROM people WHERE email = ?`, e).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("names: %w", err)
		}
		if name != "" {
			out[e] = name
		}
	}
	return out, nil
}

// Upload is a file added outside mail (the web desk's forms).
type Upload struct {
	Name        string
	ContentType string
	Data        []byte
}

// WithFiles stores files added outside mail on a ticket under a new desk-made Message-ID and runs
// fn with it: the events fn records carry that ID, and the mails it queues carry the files on,
// as a mail's files go on to the people it concerns. Without files fn gets "".
func (t *Tx) WithFiles(tk *Ticket, files []Upload, fn func(messageID string) error) error {
	if len(files) == 0 {
		return fn("")
	}
	r := make([]byte, 12)
	if _, err := rand.Read(r); err != nil {
		return fmt.Errorf("upload id: %w", err)
	}
	id := "web." + hex.EncodeToString(r) + "@" + t.cfg.DeskDomain()
	in := &Incoming{MessageID: id}
	for _, f := range files {
		in.Attachments = append(in.Attachments, IncomingAttachment{Name: f.Name, ContentType: f.ContentType,
			Size: int64(len(f.Data)), Data: f.Data})
	}
	if err := t.storeAttachments(tk, in); err != nil {
		return err
	}
	prev := t.source
	t.source = id
	defer func() { t.source = prev }()
	return fn(id)
}

// IssueSignIn records a sign-in request for a staff member without mailing it, and returns its
// nonce (Signer.SignInToken makes the link's token from it): for the demo, which prints a link
// ready to use.
func (t *Tx) IssueSignIn(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !t.cfg.IsStaff(email) {
		return "", fmt.Errorf("%s: %w", email, ErrNotStaff)
	}
	nonce, err := randomToken(16)
	if err != nil {
		return "", err
	}
	if _, err := t.exec(`INSERT INTO signins (nonce, email, issued_at) VALUES (?, ?, ?)`, nonce, email, t.Now.Unix()); err != nil {
		return "", fmt.Errorf("record sign-in: %w", err)
	}
	return nonce, nil
}

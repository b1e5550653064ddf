package mailin

import (
	"slices"
	"testing"
)

// TestHeaderListsAreValues: headerLists reads, in one pass, what Header.Values of each single
// field and delivery field returns: the generated mail, and headers with repeated, empty and
// oddly cased fields.
func TestHeaderListsAreValues(t *testing.T) {
	raws, _ := generatedMail()
	raws = append(raws,
		[]byte("From: a@x\nfrom: b@x\nDelivered-To: d1@x\nX-Original-To: o@x\nDELIVERED-TO: d2@x\n"+
			"Envelope-To: e@x\nX-Envelope-To: \nSubject: s\nSubject: t\nDate: x\nMessage-ID: <1@x>\n"+
			"message-id: <2@x>\nIn-Reply-To: <3@x>\nReferences: <4@x>\nReferences: <5@x>\n"+
			"Sender: s@x\nSENDER: t@x\nIn-reply-to: <6@x>\nDate: y\n\nbody\n"),
		[]byte("Subject: only\n\nbody\n"),
		[]byte("X-Envelope-To: a@x, b@x\nX-Envelope-To: c@x\nEnvelope-To: e@x\n\n"),
	)
	for i, raw := range raws {
		m, err := Parse(raw, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var wantRepeated []string
		for _, k := range singleFields {
			if len(m.Header.Values(k)) > 1 {
				wantRepeated = append(wantRepeated, k)
			}
		}
		gotRepeated, gotDelivered := headerLists(m)
		if !slices.Equal(gotRepeated, wantRepeated) {
			t.Errorf("mail %d: repeated %q, Values say %q", i, gotRepeated, wantRepeated)
		}
		for j, k := range deliveryFields {
			if want := m.Header.Values(k); !slices.Equal(gotDelivered[j], want) {
				t.Errorf("mail %d: %s %q, Values say %q", i, k, gotDelivered[j], want)
			}
		}
	}
}

package mailin

import (
	"net/textproto"
	"testing"
)

// TestValueFieldsCanonical checks that valueFields are spelt as textproto.Header keeps its keys,
// and that valueField finds each.
func TestValueFieldsCanonical(t *testing.T) {
	for i, k := range valueFields {
		if c := textproto.CanonicalMIMEHeaderKey(k); c != k {
			t.Errorf("valueFields[%d] = %q, canonical %q", i, k, c)
		}
		if j := valueField(k); j != i {
			t.Errorf("valueField(%q) = %d, want %d", k, j, i)
		}
	}
	if len(valueFields) > 64 {
		t.Errorf("%d valueFields, more than headerValues.has holds", len(valueFields))
	}
}

// TestHeaderValues checks that headerValues answers as the header it was read from: the first
// of repeated fields, empty fields, names in any case, and names it does not keep.
func TestHeaderValues(t *testing.T) {
	raw := "Received: a\r\nFROM: First <a@example.com>\r\nfrom: Second <b@example.com>\r\n" +
		"Subject:\r\nX-Autoreply: yes\r\nMessage-ID: <x@y>\r\nx-ms-exchange-inbox-rules-loop: a@b\r\n" +
		"References: <1@a>\r\n <2@a>\r\nReferences: <3@a>\r\nX-Other: o\r\n\r\n"
	h, _, _ := readHeader([]byte(raw))
	hv := valuesOf(h)
	names := append(valueFields[:], "Received", "X-Other", "X-Absent", "message-id", "FROM", "x-autoreply")
	for _, k := range names {
		if got, want := hv.Get(k), h.Get(k); got != want {
			t.Errorf("Get(%q) = %q, want %q", k, got, want)
		}
		if got, want := hv.Has(k), h.Has(k); got != want {
			t.Errorf("Has(%q) = %v, want %v", k, got, want)
		}
	}
}

package mailin

import (
	"net/textproto"
	"slices"
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
		"References: <1@a>\r\n <2@a>\r\nReferences: <3@a>\r\nX-Other: o\r\nTO: t1@a\r\nCc: c@a\r\n" +
		"to: t2@a,\r\n t3@a\r\nAuthentication-Results: mx; dkim=pass\r\nauthentication-results: x; spf=fail\r\n\r\n"
	h, _, _ := readHeader([]byte(raw))
	hv := valuesOf(h)
	for k, got := range map[string][]string{"To": hv.to, "Cc": hv.cc, "References": hv.references,
		"Authentication-Results": hv.authResults} {
		if want := h.Values(k); !slices.Equal(got, want) || len(want) < 2 && k != "Cc" {
			t.Errorf("%s values %q, Values %q", k, got, want)
		}
	}
	if h, _, _ := readHeader([]byte("Subject: s\r\n\r\n")); valuesOf(h).to != nil || valuesOf(h).authResults != nil {
		t.Error("lists of a header without their fields are not nil, as Values returns")
	}
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

package web

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"testing"
)

// TestUploadContentType: the Content-Type a browser (or anyone) writes on a form's file part is
// kept as type/subtype, with a charset the desk can decode, else application/octet-stream:
// nothing else of it reaches the stored file and the mails that carry it.
func TestUploadContentType(t *testing.T) {
	for _, tt := range []struct{ sent, want string }{
		{"image/png", "image/png"},
		{"Text/Plain; charset=ISO-8859-1", "text/plain; charset=iso-8859-1"},
		{"text/plain; charset=utf-8; format=flowed", "text/plain; charset=utf-8"},
		{`text/html; charset=utf-7; x="`, "text/html"},
		{"text/html; charset=utf-7", "text/html"},
		{"application/pdf; name=\"a.pdf\"\r\nBcc: x@evil.example", "application/pdf"},
		{"image/png; charset=utf-8", "image/png"},
		{"text", "application/octet-stream"},
		{"text/plain/x", "application/octet-stream"},
		{"", "application/octet-stream"},
		{"a b/c", "application/octet-stream"},
	} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="doc.txt"`)
		if tt.sent != "" {
			h["Content-Type"] = []string{tt.sent}
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write([]byte("+ADw-script+AD4-")); err != nil {
			t.Fatal(err)
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/r/x", &body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		_, files, err := readUploads(r, 1<<20)
		if err != nil {
			t.Fatalf("%q: %v", tt.sent, err)
		}
		if len(files) != 1 || files[0].ContentType != tt.want {
			t.Errorf("sent %q: kept %+v, want %q", tt.sent, files, tt.want)
		}
	}
}

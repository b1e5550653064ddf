package tickets

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// officeHours replaces the test config's 24/7 calendar by Paris office hours.
func officeHours(toml string) string {
	return strings.Replace(toml, "[calendar]\nalways = true", `[calendar]
days = ["mon", "tue", "wed", "thu", "fri"]
start = "09:00"
end = "18:00"
timezone = "Europe/Paris"
holidays = ["2026-11-11", "2026-12-25"]`, 1)
}

// newDeskTOML is newTestDesk with the test config edited first.
func newDeskTOML(t testing.TB, edits ...func(string) string) *Desk {
	t.Helper()
	toml := testConfigTOML
	for _, e := range edits {
		toml = e(toml)
	}
	dir := t.TempDir()
	cfg, err := ParseConfig(filepath.Join(dir, "deskd.toml"), []byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	store, err := OpenStore(context.Background(), cfg.Desk.Database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	d, err := NewDesk(cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

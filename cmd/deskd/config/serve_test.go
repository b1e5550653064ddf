package config

import (
	"strings"
	"testing"
)

func TestServeMemoryLimit(t *testing.T) {
	for _, tt := range []struct {
		add  string
		want int64
	}{
		{"", 24 << 20},
		{"\n[serve]\nmemory_limit = \"64MB\"\n", 64 << 20},
		{"\n[serve]\nmemory_limit = 0\n", 0},
	} {
		cfg, err := Parse("deskd.toml", []byte(testConfigTOML+tt.add))
		if err != nil {
			t.Fatalf("%q: %v", tt.add, err)
		}
		if got := int64(cfg.Serve.MemoryLimit); got != tt.want {
			t.Errorf("%q: memory_limit = %d, want %d", tt.add, got, tt.want)
		}
	}
	_, err := Parse("deskd.toml", []byte(testConfigTOML+"\n[serve]\nmemory_limit = \"lots\"\n"))
	if err == nil || !strings.Contains(err.Error(), "lots") {
		t.Errorf("memory_limit = \"lots\": %v", err)
	}
}

package web_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		_ = os.RemoveAll(bigDir) // The benchmarks' desk.
	}
	os.Exit(code)
}

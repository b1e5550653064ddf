//go:build race

package underrace

// Enabled is true when the binary was built with the race detector.
const Enabled = true

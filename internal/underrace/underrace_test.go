package underrace

import (
	"slices"
	"testing"
)

func TestSample(t *testing.T) {
	all := make([]int, 20)
	for i := range all {
		all[i] = i
	}
	want, rounds := all, 100
	if Enabled {
		want, rounds = []int{0, 7, 14}, 100/Stride
	}
	if got := Sample(all); !slices.Equal(got, want) {
		t.Errorf("Sample = %v, want %v", got, want)
	}
	if got := Sample([]int(nil)); len(got) != 0 {
		t.Errorf("Sample(nil) = %v", got)
	}
	if got := Rounds(100); got != rounds {
		t.Errorf("Rounds(100) = %d, want %d", got, rounds)
	}
	if got := Rounds(3); got < 1 {
		t.Errorf("Rounds(3) = %d", got)
	}
}

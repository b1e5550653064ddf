// Package underrace lets a test tell whether it runs under the race detector, and take a
// sample of its inputs when it does.
//
// An equivalence test holds a fast path to its reference over thousands of inputs on one
// goroutine: the race detector finds nothing there and makes it some 20 times slower. Under
// -race such a test checks a sample; the runs without it (CI's second pass, a developer's
// go test) check every input.
package underrace

// Stride is how far apart the inputs sampled under the race detector are: a prime, so that a
// sample of a list built in rounds of 2, 4 or 6 variants takes each variant.
const Stride = 7

// Sample returns all of the inputs, or under the race detector every Stride-th one, the
// first included.
func Sample[T any](all []T) []T {
	if !Enabled {
		return all
	}
	some := make([]T, 0, (len(all)+Stride-1)/Stride)
	for i := 0; i < len(all); i += Stride {
		some = append(some, all[i])
	}
	return some
}

// Rounds returns n, or under the race detector n/Stride (at least 1): how many random inputs
// a test draws.
func Rounds(n int) int {
	if !Enabled {
		return n
	}
	return max(1, n/Stride)
}

// Command testlog reads `go test -json` on stdin and keeps CI's output short: it writes the
// plain `go test -v` text to the log file named by its argument (for the checks that read it),
// prints the whole output of every failed test and of every package that failed outside a test,
// a line per skipped test, and one summary line. It exits 1 when a test or a package failed.
//
// Usage: go test -json ./... | go run ./.ci/testlog LOGFILE
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go test -json ./... | go run ./.ci/testlog LOGFILE")
		os.Exit(2)
	}
	log, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := bufio.NewWriter(log)
	start := time.Now()

	output := map[string][]string{} // By "package test": the test's lines ("package " for the package's own).
	var failedTests, failedPkgs, skipped []string
	pkgs, tests := 0, 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not JSON: the go command's own words (a build error before any package ran).
			line := sc.Text() + "\n"
			w.WriteString(line)
			output[" "] = append(output[" "], line)
			continue
		}
		pkg := e.Package
		if pkg == "" {
			pkg = e.ImportPath
		}
		key := pkg + " " + e.Test
		switch e.Action {
		case "output", "build-output":
			w.WriteString(e.Output)
			output[key] = append(output[key], e.Output)
		case "fail", "build-fail":
			if e.Test != "" {
				failedTests = append(failedTests, key)
			} else {
				failedPkgs = append(failedPkgs, pkg)
			}
		case "skip":
			if e.Test != "" {
				skipped = append(skipped, key)
			}
		case "pass":
			if e.Test == "" {
				pkgs++
			} else if !strings.Contains(e.Test, "/") {
				tests++
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "read go test -json:", err)
		failedPkgs = append(failedPkgs, "(reading go test's output)")
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if err := log.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}

	// A failed subtest fails its parents: print the innermost failures in full, and a parent's
	// own lines when it has more than its RUN and FAIL lines.
	inner := 0
	hasFailedTest := map[string]bool{}
	for _, k := range failedTests {
		hasFailedTest[strings.SplitN(k, " ", 2)[0]] = true
		parent := false
		for _, o := range failedTests {
			if strings.HasPrefix(o, k+"/") {
				parent = true
			}
		}
		if !parent {
			inner++
		}
		if !parent || len(output[k]) > 2 {
			fmt.Printf("FAIL %s%s\n%s", k, shuffle(output[strings.SplitN(k, " ", 2)[0]+" "]), strings.Join(output[k], ""))
		}
	}
	// A package that failed outside its tests: a build error, a panic in init, a timeout.
	for _, p := range failedPkgs {
		if hasFailedTest[p] {
			continue
		}
		inner++
		var own []string
		for _, line := range output[p+" "] {
			if !strings.HasPrefix(line, "=== ") && !strings.HasPrefix(line, "--- PASS") && line != "PASS\n" {
				own = append(own, line)
			}
		}
		fmt.Printf("FAIL %s\n%s", p, strings.Join(own, ""))
	}
	if len(output[" "]) > 0 {
		fmt.Print(strings.Join(output[" "], ""))
	}
	sort.Strings(skipped)
	for _, k := range skipped {
		reason := ""
		for _, line := range output[k] {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- SKIP") {
				reason = l
			}
		}
		fmt.Printf("skip %s: %s\n", k, reason)
	}
	status := "ok  "
	if len(failedTests)+len(failedPkgs) > 0 {
		status = "FAIL"
	}
	fmt.Printf("%s go test: %d packages, %d tests passed, %d skipped, %d failed (%s)\n", status, pkgs, tests, len(skipped),
		inner, time.Since(start).Round(time.Second))
	if status != "ok  " {
		os.Exit(1)
	}
}

// shuffle returns " (-test.shuffle N)" when a package's own lines give the seed -shuffle=on
// ran its tests in, to run them again in that order; "" otherwise.
func shuffle(lines []string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, "-test.shuffle ") {
			return " (" + strings.TrimSpace(l) + ")"
		}
	}
	return ""
}

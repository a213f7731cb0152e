// Package storefront_test holds the checks of the repository as a whole:
// they read files across every package (SECURITY.md, all Go sources), so
// they run from the module root, not from inside one package.
package storefront_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNosecCommentsJustified: every exception to the static security
// analyser (gosec, run by make lint) names its rule and says why.
func TestNosecCommentsJustified(t *testing.T) {
	const marker = "#" + "nosec" // spelt in two, so this file holds no marker itself
	justified := regexp.MustCompile(marker + ` G\d{3}( G\d{3})* -- \S.{10,}`)
	found := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "e2e" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, marker) {
				found++
				if !justified.MatchString(line) {
					t.Errorf("%s:%d: %s\nwant %s GNNN -- the reason", path, i+1, strings.TrimSpace(line), marker)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Errorf("found no %s comment at all; is the walk looking in the module?", marker)
	}
}

// TestSecurityMapCitesRealTests holds SECURITY.md to the code: every test
// it cites as "path/file_test.go: TestName" exists in that file (make test
// runs them all).
func TestSecurityMapCitesRealTests(t *testing.T) {
	doc, err := os.ReadFile("SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	cite := regexp.MustCompile("`((?:(?:cmd|internal)/[a-z/_]+/)?[a-z_]+_test\\.go): ((?:Test|Fuzz)[A-Za-z0-9_]+(?:, (?:Test|Fuzz)[A-Za-z0-9_]+)*)`")
	n := 0
	for _, m := range cite.FindAllStringSubmatch(string(doc), -1) {
		src, err := os.ReadFile(m[1])
		if err != nil {
			t.Errorf("SECURITY.md cites %s: %v", m[1], err)
			continue
		}
		for _, name := range strings.Split(m[2], ", ") {
			n++
			if !regexp.MustCompile(`(?m)^func ` + name + `\(`).Match(src) {
				t.Errorf("SECURITY.md cites %s: %s, which does not exist", m[1], name)
			}
		}
	}
	if n < 40 {
		t.Errorf("SECURITY.md cites %d tests; the citation reader is out of date", n)
	}
}

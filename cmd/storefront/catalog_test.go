package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// catalogEnv is the environment of a catalog command on a fresh SQLite
// file, without the demo catalog.
func catalogEnv(t *testing.T) func(string) string {
	t.Helper()
	env := map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"LOG_LEVEL": "warn"}
	return func(name string) string { return env[name] }
}

// runCatalog runs "storefront catalog args..." and returns its stdout,
// stderr and error.
func runCatalog(t *testing.T, getenv func(string) string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append([]string{"storefront", "catalog"}, args...), getenv, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.csv")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCatalogImportExport(t *testing.T) {
	getenv := catalogEnv(t)
	file := "id,name,description,category,price_cents,stock,active\r\n" +
		"lamp,Desk Lamp,\"Bright, and \"\"warm\"\".\",lighting,2500,4,true\r\n" +
		"mug,Mug,Holds tea.,kitchen,1250,0,false\r\n"
	out, stderr, err := runCatalog(t, getenv, "import", writeFile(t, file))
	if err != nil {
		t.Fatalf("catalog import = %v; stderr:\n%s", err, stderr)
	}
	if !strings.Contains(out, "2 products created, 0 updated; categories created: lighting, kitchen") {
		t.Errorf("catalog import printed %q; want the counts and the categories created", out)
	}
	exported, stderr, err := runCatalog(t, getenv, "export")
	if err != nil {
		t.Fatalf("catalog export = %v; stderr:\n%s", err, stderr)
	}
	if exported != file {
		t.Errorf("catalog export =\n%q\nwant the imported file, in id order:\n%q", exported, file)
	}
	// Updating by id: one row changed, the other as it was.
	changed := strings.Replace(file, "1250,0,false", "1300,7,true", 1)
	out, _, err = runCatalog(t, getenv, "import", writeFile(t, changed))
	if err != nil || !strings.Contains(out, "0 products created, 2 updated") {
		t.Fatalf("catalog import (update) = %q, %v; want 2 updated", out, err)
	}
	if exported, _, _ = runCatalog(t, getenv, "export"); exported != changed {
		t.Errorf("catalog export after the update =\n%q\nwant\n%q", exported, changed)
	}
}

func TestCatalogImportBadRowsChangeNothing(t *testing.T) {
	getenv := catalogEnv(t)
	good := writeFile(t, "id,name,description,category,price_cents,stock,active\nmug,Mug,Tea.,kitchen,1250,3,true\n")
	if _, stderr, err := runCatalog(t, getenv, "import", good); err != nil {
		t.Fatalf("catalog import = %v; stderr:\n%s", err, stderr)
	}
	before, _, _ := runCatalog(t, getenv, "export")
	bad := writeFile(t, "id,name,description,category,price_cents,stock,active\n"+
		"mug,Mug,Tea.,kitchen,999,3,true\n"+
		"lamp,Lamp,Light.,lighting,-5,1,true\n"+
		"spade,,Digs.,garden,100,1,yes\n")
	out, stderr, err := runCatalog(t, getenv, "import", bad)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") {
		t.Fatalf("catalog import (bad rows) = %v; want an error saying nothing was imported", err)
	}
	for _, want := range []string{bad + ":3: price_cents: ", bad + ":4: name: ", bad + ":4: active: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if out != "" {
		t.Errorf("stdout of a refused import = %q; want nothing", out)
	}
	if after, _, _ := runCatalog(t, getenv, "export"); after != before {
		t.Errorf("catalog after a refused import =\n%s\nwant it unchanged:\n%s", after, before)
	}
}

func TestCatalogCommandUsage(t *testing.T) {
	getenv := catalogEnv(t)
	for _, args := range [][]string{{}, {"import"}, {"export", "x"}, {"delete"}} {
		if _, _, err := runCatalog(t, getenv, args...); err == nil || !strings.Contains(err.Error(), "usage:") {
			t.Errorf("catalog %v = %v; want the usage", args, err)
		}
	}
	if _, _, err := runCatalog(t, getenv, "import", filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("catalog import (missing file) = nil; want an error")
	}
}

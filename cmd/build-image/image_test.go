package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestImageRunsTheShop builds the image as `make image` does (for this
// machine's architecture, so that its binary can run here), reads it back
// from the OCI layout as a registry client would, checks its configuration,
// unpacks its layer and runs the binary found there, with nothing but the
// image's environment and a temporary database, until /healthz answers 200.
func TestImageRunsTheShop(t *testing.T) {
	ctx := t.Context()
	layoutDir := filepath.Join(t.TempDir(), "image")
	var out bytes.Buffer
	if err := run(ctx, []string{"-module", "../..", "-arch", runtime.GOARCH, "-tag", "test", "-out", layoutDir}, &out, io.Discard); err != nil {
		t.Fatalf("build-image: %v", err)
	}
	img := readLayout(t, layoutDir, "test")

	manifest, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if manifest.MediaType != types.OCIManifestSchema1 || manifest.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("manifest %s, config %s; want OCI media types", manifest.MediaType, manifest.Config.MediaType)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s; want linux/%s", cfg.OS, cfg.Architecture, runtime.GOARCH)
	}
	if got := cfg.Config.Entrypoint; !slices.Equal(got, []string{"/storefront"}) {
		t.Errorf("Entrypoint = %q; want [/storefront]", got)
	}
	if got := cfg.Config.User; got != "65532:65532" {
		t.Errorf("User = %q; want 65532:65532 (non-root)", got)
	}
	if _, ok := cfg.Config.ExposedPorts["8000/tcp"]; !ok || len(cfg.Config.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts = %v; want 8000/tcp only", cfg.Config.ExposedPorts)
	}
	if !slices.Contains(cfg.Config.Env, "HOST=0.0.0.0") {
		t.Errorf("Env = %q; want HOST=0.0.0.0 (reachable from outside the container)", cfg.Config.Env)
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers; want 1 over an empty base", len(layers))
	}
	rootfs := t.TempDir()
	headers := unpackLayer(t, layers[0], rootfs)
	wantOwnerMode := map[string]struct {
		owner int
		mode  int64
	}{
		"storefront":                        {0, 0o755}, // the runtime user cannot replace it
		"etc/ssl/certs/ca-certificates.crt": {0, 0o644},
		"home/nonroot/":                     {nonRootID, 0o700},
		"tmp/":                              {0, 0o1777},
	}
	for name, want := range wantOwnerMode {
		h, ok := headers[name]
		if !ok {
			t.Errorf("the layer lacks %s", name)
			continue
		}
		if h.Uid != want.owner || h.Gid != want.owner || h.Mode != want.mode {
			t.Errorf("%s: owner %d:%d, mode %o; want %d:%d, %o", name, h.Uid, h.Gid, h.Mode, want.owner, want.owner, want.mode)
		}
	}
	binary := filepath.Join(rootfs, "storefront")
	assertStatic(t, binary)

	// The image's environment only, as a container has, plus what a test
	// needs: a loopback address and a free port, a temporary database, no
	// metrics listener (its fixed port may be taken).
	env := append(slices.Clone(cfg.Config.Env), "HOST=127.0.0.1", "PORT=0",
		"STOREFRONT_DB="+filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO=false",
		"STOREFRONT_METRICS_ADDR=", "LOG_FORMAT=json")
	baseURL := startBinary(t, binary, env)
	resp, err := http.Get(baseURL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d; want 200", resp.StatusCode)
	}
}

// readLayout opens the layout as a registry client would: its index must
// hold exactly one image, named tag.
func readLayout(t *testing.T, dir, tag string) v1.Image {
	t.Helper()
	path, err := layout.FromPath(dir)
	if err != nil {
		t.Fatalf("reading the OCI layout: %v", err)
	}
	index, err := path.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations[refNameAnnotation] != tag {
		t.Fatalf("layout index = %+v; want one image named %q", im.Manifests, tag)
	}
	img, err := path.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// unpackLayer writes the layer's files under dir (directories as they
// come, files with their mode) and returns its tar headers by name.
func unpackLayer(t *testing.T, layer v1.Layer, dir string) map[string]*tar.Header {
	t.Helper()
	rc, err := layer.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	headers := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return headers
		}
		if err != nil {
			t.Fatalf("reading the layer: %v", err)
		}
		headers[h.Name] = h
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, dir+string(filepath.Separator)) {
			t.Fatalf("layer entry %q leaves the root", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o750); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, data, os.FileMode(h.Mode).Perm()); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("layer entry %q of type %c; want files and directories only", h.Name, h.Typeflag)
		}
	}
}

// assertStatic fails unless the binary asks for no dynamic loader: an
// image over an empty base has no C library to load.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("the image's binary is not an ELF file: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the image's binary is dynamically linked (it has an interpreter); want CGO_ENABLED=0")
		}
	}
}

// startBinary runs the binary with exactly env, waits for its "storefront
// listening" log line and returns its address; the test's cleanup stops it
// with SIGTERM, as a container runtime does, and expects a clean exit.
func startBinary(t *testing.T, binary string, env []string) string {
	t.Helper()
	cmd := exec.Command(binary) // #nosec G204 -- the binary this test just unpacked from the image it built
	cmd.Env = env
	cmd.Dir = t.TempDir()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("running the image's binary: %v", err)
	}
	exited := make(chan error, 1)
	var logs bytes.Buffer
	listening := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			logs.Write(append(scanner.Bytes(), '\n'))
			var line struct{ Msg, URL string }
			if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "storefront listening" {
				listening <- line.URL
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the shop exited with %v after SIGTERM; want 0", err)
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the shop did not stop within 20 s of SIGTERM")
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	select {
	case url := <-listening:
		return url
	case err := <-exited:
		t.Fatalf("the image's binary exited before listening: %v\n%s", err, logs.String())
	case <-ctx.Done():
		t.Fatalf("the image's binary did not listen within 30 s")
	}
	return ""
}

// TestImageIsReproducible: the same binary and certificates give the same
// layer bytes and the same image digest, whenever they are built; another
// binary gives another digest.
func TestImageIsReproducible(t *testing.T) {
	digest := func(binary string) v1.Hash {
		t.Helper()
		layerBytes, err := layerTar(layerFiles([]byte(binary), []byte("certificates")))
		if err != nil {
			t.Fatal(err)
		}
		img, err := newImage(layerBytes, "amd64")
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := digest("binary")
	time.Sleep(1100 * time.Millisecond) // a clock in the output would show as a second's difference
	if again := digest("binary"); again != first {
		t.Errorf("the same inputs gave image %s, then %s; want one digest", first, again)
	}
	if other := digest("another binary"); other == first {
		t.Errorf("another binary gave the same image %s", other)
	}
}

// TestWriteLayoutRefusesOtherDirectories: -out replaces an earlier image
// layout, never a directory of other files.
func TestWriteLayoutRefusesOtherDirectories(t *testing.T) {
	layerBytes, err := layerTar(layerFiles([]byte("binary"), []byte("certificates")))
	if err != nil {
		t.Fatal(err)
	}
	img, err := newImage(layerBytes, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	precious := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(precious, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeLayout(dir, img, "x"); !errors.Is(err, errNotLayout) {
		t.Errorf("writeLayout(a directory of notes) = %v; want errNotLayout", err)
	}
	if _, err := os.Stat(precious); err != nil {
		t.Errorf("the refused directory lost its file: %v", err)
	}
	// An earlier layout is replaced whole: one image in the index, not two.
	layoutDir := filepath.Join(dir, "image")
	for _, tag := range []string{"one", "two"} {
		if err := writeLayout(layoutDir, img, tag); err != nil {
			t.Fatalf("writeLayout(%s): %v", tag, err)
		}
	}
	readLayout(t, layoutDir, "two")
}

package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's file system and configuration. The Dockerfile at the
// repository root lays out the same files with the same owners and modes,
// so an image built with Docker runs the same way.
const (
	// entrypoint is where the binary lives in the image: owned by root and
	// not writable by the user the shop runs as.
	entrypoint = "/storefront"
	// caBundlePath is where Go's crypto/x509 looks first on Linux: the AWS
	// SDK's TLS connections need it, and an empty base has none.
	caBundlePath = "/etc/ssl/certs/ca-certificates.crt"
	// homeDir is the working directory, owned by the runtime user, so the
	// default SQLite file (var/storefront.db, relative) can be created
	// when the image runs without DynamoDB.
	homeDir = "/home/nonroot"
	// nonRootID is distroless's "nonroot" user and group: no name is
	// needed in an image without /etc/passwd, and 65532 is what
	// Kubernetes' runAsNonRoot and ECS checks accept as a non-root id.
	nonRootID   = 65532
	runtimeUser = "65532:65532"
	// exposedPort is the shop's default PORT.
	exposedPort = "8000/tcp"
	// refNameAnnotation names the image inside the OCI layout (what
	// `crane push DIR REF` and skopeo's oci:DIR:TAG read).
	refNameAnnotation = "org.opencontainers.image.ref.name"
)

// buildEpoch is every timestamp in the image (files, history, creation):
// the same sources give the same bytes, so the same digest.
var buildEpoch = time.Unix(0, 0).UTC()

// runtimeEnv is the environment the image sets. HOST=0.0.0.0 because the
// shop's default (127.0.0.1) would not be reachable from outside the
// container; everything else keeps the shop's defaults and is set by the
// deployment (deploy/web.json).
var runtimeEnv = []string{"HOST=0.0.0.0"}

// buildBinary compiles cmd/storefront of the module at moduleDir into out:
// static (no cgo: the SQLite driver is pure Go, and an empty base has no C
// library), for Linux on goarch, and reproducible (no local paths, no VCS
// stamp, no symbol table).
func buildBinary(ctx context.Context, moduleDir, goarch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./cmd/storefront") // #nosec G204 -- the go command with fixed flags; out and goarch come from the developer running the tool
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/storefront: %w\n%s", err, output)
	}
	return nil
}

// layerEntry is one file or directory of the image's only layer.
type layerEntry struct {
	name     string // without a leading slash, as image layers name files
	mode     int64  // permission bits, with the sticky bit where set
	owner    int    // user and group id
	contents []byte // nil for a directory
}

// layerFiles lists the image's whole file system: parents before children,
// so that any tar reader creates them in order.
func layerFiles(binary, caBundle []byte) []layerEntry {
	return []layerEntry{
		{name: "etc/", mode: 0o755},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: caBundlePath[1:], mode: 0o644, contents: caBundle},
		{name: "home/", mode: 0o755},
		{name: homeDir[1:] + "/", mode: 0o700, owner: nonRootID},
		// Go's os.TempDir and the SQLite driver's temporary files.
		{name: "tmp/", mode: 0o1777},
		{name: entrypoint[1:], mode: 0o755, contents: binary},
	}
}

// layerTar writes entries as an uncompressed tar with fixed times, so its
// bytes depend on the contents only.
func layerTar(entries []layerEntry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{
			Name: e.name, Mode: e.mode, Uid: e.owner, Gid: e.owner,
			ModTime: buildEpoch, Format: tar.FormatPAX,
		}
		if e.contents == nil {
			hdr.Typeflag = tar.TypeDir
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(e.contents))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("layer %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.contents); err != nil {
			return nil, fmt.Errorf("layer %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newImage is the OCI image of one layer over an empty base, configured to
// run the shop as the non-root user on Linux and goarch.
func newImage(layerBytes []byte, goarch string) (v1.Image, error) {
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: buildEpoch}, CreatedBy: "go run ./cmd/build-image"},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", goarch
	cfg.Created = v1.Time{Time: buildEpoch}
	cfg.Config = v1.Config{
		Entrypoint:   []string{entrypoint},
		User:         runtimeUser,
		WorkingDir:   homeDir,
		Env:          runtimeEnv,
		ExposedPorts: map[string]struct{}{exposedPort: {}},
	}
	return mutate.ConfigFile(img, cfg)
}

// errNotLayout refuses to replace a directory that is not an image layout,
// so a mistyped -out cannot delete someone's files.
var errNotLayout = errors.New("exists and is not an OCI image layout; refusing to replace it")

// writeLayout replaces dir with an OCI image layout holding img alone,
// named tag.
func writeLayout(dir string, img v1.Image, tag string) error {
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
			return fmt.Errorf("%s %w", dir, errNotLayout)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	path, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	return path.AppendImage(img,
		layout.WithAnnotations(map[string]string{refNameAnnotation: tag}),
		layout.WithPlatform(v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture}))
}

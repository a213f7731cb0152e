// Command build-image builds the shop's container image without a Docker
// daemon: it compiles cmd/storefront into a static Linux binary and writes
// an OCI image layout of it over an empty base, non-root, with the CA
// certificates the AWS SDK's TLS needs (image.go). `make image` runs it;
// the Dockerfile builds the same file system for people who use Docker.
//
//	go run ./cmd/build-image [-out build/storefront-image] [-arch amd64] [-tag latest]
//
// Push the layout with crane (docs/operations.md):
// crane push build/storefront-image ACCOUNT.dkr.ecr.REGION.amazonaws.com/storefront:TAG
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build-image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("build-image", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("out", filepath.Join("build", "storefront-image"), "the OCI image layout directory to write (replaced)")
	// amd64 by default, not the building machine's: the deployment's
	// Fargate tasks run on X86_64 (deploy/web.json).
	goarch := flags.String("arch", "amd64", "the image's CPU architecture (GOARCH)")
	tag := flags.String("tag", "latest", "the image's name inside the layout")
	caBundle := flags.String("ca-certs", caBundlePath, "the CA certificate bundle to copy into the image")
	moduleDir := flags.String("module", ".", "the repository root, whose ./cmd/storefront is built")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}
	certs, err := os.ReadFile(*caBundle)
	if err != nil {
		return fmt.Errorf("the CA certificates (Debian: apt-get install ca-certificates): %w", err)
	}
	workDir, err := os.MkdirTemp("", "build-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(workDir)
	binaryPath := filepath.Join(workDir, "storefront")
	if err := buildBinary(ctx, *moduleDir, *goarch, binaryPath); err != nil {
		return err
	}
	binary, err := os.ReadFile(binaryPath) // #nosec G304 -- the file this run just built in its own temporary directory
	if err != nil {
		return err
	}
	layerBytes, err := layerTar(layerFiles(binary, certs))
	if err != nil {
		return err
	}
	img, err := newImage(layerBytes, *goarch)
	if err != nil {
		return err
	}
	if err := writeLayout(*out, img, *tag); err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: image %s (linux/%s, tag %s)\n", *out, digest, *goarch, *tag)
	return nil
}

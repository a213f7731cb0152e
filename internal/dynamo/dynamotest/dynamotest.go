// Package dynamotest gives tests a DynamoDB-compatible server: the one at
// STOREFRONT_TEST_DYNAMODB_ENDPOINT when set, otherwise a local one
// (scripts/dynamodb_local.py, moto) started on first use, once per test
// binary. Tests that need it fail, never skip, when there is none: CI must
// run them. A package using it stops the server at the end of its TestMain:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		dynamotest.Stop()
//		os.Exit(code)
//	}
package dynamotest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// EndpointEnv names the variable that points the tests at a running
// server instead of a local one they start.
const EndpointEnv = "STOREFRONT_TEST_DYNAMODB_ENDPOINT"

// script is the local server's script, relative to the module root.
var script = filepath.Join("scripts", "dynamodb_local.py")

// startTimeout bounds how long the local server may take to be ready.
const startTimeout = 90 * time.Second

var server struct {
	once sync.Once
	url  string
	err  error
	mu   sync.Mutex // guards cmd and done against Stop
	cmd  *exec.Cmd
	done chan struct{} // closed when the started process has exited
}

// Endpoint returns the URL of the test DynamoDB server, starting the local
// one on first use; it fails the test when there is none.
func Endpoint(t testing.TB) string {
	t.Helper()
	server.once.Do(func() { server.url, server.err = start() })
	if server.err != nil {
		t.Fatalf("no DynamoDB server for the integration tests: %v\n"+
			"Set %s to a running server's URL, or make `python3 %s` work "+
			"(python3 -m pip install 'moto[server]').", server.err, EndpointEnv, script)
	}
	return server.url
}

// Stop stops the local server if this test binary started one. It is
// meant for the end of TestMain; Endpoint must not be called after it.
func Stop() {
	server.mu.Lock()
	cmd, done := server.cmd, server.done
	server.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Kill() // it may have exited already; done tells
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

func start() (string, error) {
	if url := strings.TrimSpace(os.Getenv(EndpointEnv)); url != "" {
		return url, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, script)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("local server script: %w", err)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("python3 is needed to run %s: %w", path, err)
	}
	// #nosec G204 -- python3 from PATH runs the repository's own script with fixed arguments
	cmd := exec.Command(python, path, "--port", "0")
	setDeathSignal(cmd) // no server outlives a killed test binary
	var stderr tailBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", path, err)
	}
	done := make(chan struct{})
	server.mu.Lock()
	server.cmd, server.done = cmd, done
	server.mu.Unlock()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- strings.TrimSpace(url)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // drain until the server exits
		_ = cmd.Wait()                     // its exit status tells the tests nothing
		close(done)
	}()
	select {
	case url := <-ready:
		return url, nil
	case <-done:
		return "", fmt.Errorf("%s exited before it was ready: %s", path, strings.TrimSpace(stderr.String()))
	case <-time.After(startTimeout):
		Stop()
		return "", fmt.Errorf("%s was not ready within %v: %s", path, startTimeout, strings.TrimSpace(stderr.String()))
	}
}

// moduleRoot returns the nearest directory at or above the working
// directory (a test's package directory) that holds go.mod.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find the module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod in %s or any directory above it", wd)
		}
		dir = parent
	}
}

// tailBuffer collects a process's stderr, keeping the last 8 KiB.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.buf.Len() > 8<<10 {
		b.buf.Next(b.buf.Len() - 8<<10)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

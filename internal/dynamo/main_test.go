package dynamo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// The integration tests run against a DynamoDB-compatible server: the one
// at STOREFRONT_TEST_DYNAMODB_ENDPOINT when set, otherwise a local one this
// package starts (scripts/dynamodb_local.py, moto) on first use and stops
// at the end. They fail, never skip, when there is none: CI must run them.

const endpointEnv = "STOREFRONT_TEST_DYNAMODB_ENDPOINT"

var server struct {
	once sync.Once
	url  string
	err  error
	cmd  *exec.Cmd
	done chan struct{} // closed when the started process has exited
}

func TestMain(m *testing.M) {
	// The service logs every registration and order at Info; keep test
	// output to what matters.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	code := m.Run()
	stopServer()
	os.Exit(code)
}

// testEndpoint returns the URL of the test DynamoDB server, starting it on
// first use; it fails the test when there is none.
func testEndpoint(t *testing.T) string {
	t.Helper()
	server.once.Do(func() { server.url, server.err = startServer() })
	if server.err != nil {
		t.Fatalf("no DynamoDB server for the integration tests: %v\n"+
			"Set %s to a running server's URL, or make `python3 scripts/dynamodb_local.py` work "+
			"(python3 -m pip install 'moto[server]').", server.err, endpointEnv)
	}
	return server.url
}

func startServer() (string, error) {
	if url := os.Getenv(endpointEnv); url != "" {
		return url, nil
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "dynamodb_local.py"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("local server script: %w", err)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("python3 is needed to run %s: %w", script, err)
	}
	cmd := exec.Command(python, script, "--port", "0")
	setDeathSignal(cmd) // no server outlives a killed test binary
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", script, err)
	}
	server.cmd, server.done = cmd, make(chan struct{})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- strings.TrimSpace(url)
				break
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(server.done)
	}()
	select {
	case url := <-ready:
		return url, nil
	case <-server.done:
		return "", fmt.Errorf("%s exited before it was ready: %s", script, strings.TrimSpace(stderr.String()))
	case <-time.After(90 * time.Second):
		stopServer()
		return "", fmt.Errorf("%s was not ready within 90s: %s", script, strings.TrimSpace(stderr.String()))
	}
}

func stopServer() {
	if server.cmd == nil || server.cmd.Process == nil {
		return
	}
	server.cmd.Process.Kill()
	select {
	case <-server.done:
	case <-time.After(10 * time.Second):
	}
}

// lockedBuffer collects a process's stderr, keeping the last 8 KiB.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.buf.Len() > 8<<10 {
		b.buf.Next(b.buf.Len() - 8<<10)
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testClient returns a client of the test server with the production
// retry and timeout settings; httpClient nil is the production HTTP
// client, a test's own one injects faults.
func testClient(t *testing.T, httpClient aws.HTTPClient) *dynamodb.Client {
	t.Helper()
	return clientFor(t, testEndpoint(t), httpClient)
}

func clientFor(t *testing.T, endpoint string, httpClient aws.HTTPClient) *dynamodb.Client {
	t.Helper()
	cfg, err := loadConfig(t.Context(), nil,
		config.WithBaseEndpoint(endpoint),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		t.Fatalf("loadConfig() = %v; want nil", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		// Set on the client, not through the config: the SDK refuses a
		// plain *http.Client when AWS_CA_BUNDLE is set.
		if httpClient != nil {
			o.HTTPClient = httpClient
		}
	})
}

// newTestStore returns a store on fresh tables with a unique prefix, which
// it deletes at the end of the test: tests stay isolated and each
// transaction's work (moto copies the tables a transaction touches) small.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	return newTestStoreWith(t, testClient(t, nil))
}

func newTestStoreWith(t *testing.T, client *dynamodb.Client) *Store {
	t.Helper()
	prefix := uniquePrefix()
	s, err := New(t.Context(), client, prefix)
	if err != nil {
		t.Fatalf("New(%q) = %v; want nil", prefix, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, spec := range tableSpecs {
			_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(prefix + spec.Suffix)})
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Logf("cleanup: DeleteTable(%s%s) = %v", prefix, spec.Suffix, err)
			}
		}
	})
	return s
}

func uniquePrefix() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "t" + hex.EncodeToString(b) + "-"
}

package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"storefront/internal/dynamo/dynamotest"
)

// The integration tests run against the DynamoDB-compatible server of
// dynamotest: STOREFRONT_TEST_DYNAMODB_ENDPOINT when set, otherwise a
// local one (scripts/dynamodb_local.py, moto) started on first use and
// stopped at the end. They fail, never skip, when there is none.

func TestMain(m *testing.M) {
	// The service logs every registration and order at Info; keep test
	// output to what matters.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	code := m.Run()
	dynamotest.Stop()
	os.Exit(code)
}

// testEndpoint returns the URL of the test DynamoDB server, starting it on
// first use; it fails the test when there is none.
func testEndpoint(t *testing.T) string {
	t.Helper()
	return dynamotest.Endpoint(t)
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

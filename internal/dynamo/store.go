// Package dynamo implements shop.Store on Amazon DynamoDB (aws-sdk-go-v2).
//
// It holds the key design of every table, the mapping between domain values
// and items (pure functions), the transactions that make each Store method
// atomic and the translation of SDK errors into the shop's error kinds.
// docs/dynamodb.md explains the design; deploy/cloudformation.json declares
// the same tables for production, and New creates any that are missing.
//
// Reads that must see the latest write (orders, products, users, sessions,
// carts) are strongly consistent. Stock and email uniqueness are enforced by
// conditional writes on base-table items inside TransactWriteItems, never by
// reading first and never through an (eventually consistent) index.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

var _ shop.Store = (*Store)(nil)

// Store is shop.Store on DynamoDB. It is safe for concurrent use.
type Store struct {
	db *dynamodb.Client

	orders, users, sessions, products, categories, carts, throttles, audit, processing string // table names

	// txAttempts bounds how often PlaceOrder runs its transaction when
	// DynamoDB cancels it for a conflict or throttling, and how often batch
	// calls resend their unprocessed keys; txBackoff is the first delay
	// between attempts, doubled each time, half of it random.
	txAttempts int
	txBackoff  time.Duration
}

// New returns a store on the tables named tablePrefix + "orders", "users",
// "sessions", "products", "categories", "carts", "login_throttles",
// "audit" and "processing".
// Missing tables are created (on-demand capacity, TTL on sessions and login
// throttles, point-in-time recovery on orders) and waited for until ACTIVE;
// existing ones are checked for the expected keys and indexes.
func New(ctx context.Context, client *dynamodb.Client, tablePrefix string) (*Store, error) {
	for _, spec := range tableSpecs {
		if err := ensureTable(ctx, client, tablePrefix, spec); err != nil {
			return nil, err
		}
	}
	return &Store{
		db:         client,
		orders:     tablePrefix + tableOrders,
		users:      tablePrefix + tableUsers,
		sessions:   tablePrefix + tableSessions,
		products:   tablePrefix + tableProducts,
		categories: tablePrefix + tableCategories,
		carts:      tablePrefix + tableCarts,
		throttles:  tablePrefix + tableThrottles,
		audit:      tablePrefix + tableAudit,
		processing: tablePrefix + tableProcessing,
		txAttempts: 6,
		txBackoff:  25 * time.Millisecond,
	}, nil
}

// Client settings for production. Each HTTP attempt is bounded in time
// (requestTimeout, a few seconds: DynamoDB answers in milliseconds, so an
// attempt that takes longer is stuck and better sent again), and so is the
// number of attempts. Above all, every call runs under its request's
// context, whose deadline (STOREFRONT_REQUEST_TIMEOUT, 10 s by default)
// ends the SDK's attempts and backoff and the store's own retry loops
// alike: the deadline, not these numbers, bounds how long a shopper waits.
const (
	maxAttempts    = 4
	maxBackoff     = time.Second
	dialTimeout    = 2 * time.Second
	requestTimeout = 4 * time.Second // per HTTP attempt
	defaultRegion  = "us-east-1"
)

// NewClient returns a DynamoDB client configured the standard SDK way
// (AWS_REGION, the credential chain, AWS_ENDPOINT_URL_DYNAMODB and the
// shared config files, all read by the SDK itself), with standard retries
// (bounded attempts and backoff) and HTTP timeouts. Without a configured
// region it uses us-east-1. When no credentials are found and an endpoint
// override is set (a local DynamoDB server), it signs with dummy static
// credentials, which such servers accept.
func NewClient(ctx context.Context) (*dynamodb.Client, error) {
	cfg, err := loadConfig(ctx, nil)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg), nil
}

// loadConfig loads the SDK configuration with the production retry and
// timeout settings; httpClient nil means the production HTTP client. Tests
// pass their own HTTP client (fault injection) and options (endpoint).
func loadConfig(ctx context.Context, httpClient aws.HTTPClient, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	if httpClient == nil {
		httpClient = awshttp.NewBuildableClient().
			WithTimeout(requestTimeout).
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout }).
			WithTransportOptions(func(t *http.Transport) {
				t.TLSHandshakeTimeout = dialTimeout
				t.ResponseHeaderTimeout = requestTimeout
				t.MaxIdleConnsPerHost = 64
			})
	}
	opts = append([]func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = maxBackoff
			})
		}),
	}, opts...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("dynamo: load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	if local, err := hasEndpointOverride(ctx, cfg); err != nil {
		return aws.Config{}, err
	} else if local && !hasCredentials(ctx, cfg) {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	return cfg, nil
}

// hasEndpointOverride reports whether DynamoDB requests go to a configured
// endpoint (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL or an explicit
// option) rather than AWS's own.
func hasEndpointOverride(ctx context.Context, cfg aws.Config) (bool, error) {
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return true, nil
	}
	env, err := config.NewEnvConfig() // the SDK's own reading of the environment
	if err != nil {
		return false, fmt.Errorf("dynamo: read AWS environment: %w", err)
	}
	_, found, err := env.GetServiceBaseEndpoint(ctx, dynamodb.ServiceID)
	return found, err
}

// hasCredentials reports whether the credential chain yields credentials.
// It is only asked when an endpoint override is set; the bound keeps a
// developer machine from waiting on the instance metadata service.
func hasCredentials(ctx context.Context, cfg aws.Config) bool {
	if cfg.Credentials == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := cfg.Credentials.Retrieve(ctx)
	return err == nil
}

// Ping reports whether DynamoDB answers and the orders table exists:
// ErrUnavailable when it cannot be reached.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.orders)})
	return storeErr("ping", err)
}

// getItem reads one item with a strongly consistent read; a missing item is
// nil, nil.
func (s *Store) getItem(ctx context.Context, op, table string, key item) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, storeErr(op, err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

func (s *Store) putItem(ctx context.Context, op, table string, it item) error {
	return s.retryConflicts(ctx, op, func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it})
		return err
	})
}

func (s *Store) deleteItem(ctx context.Context, op, table string, key item) error {
	return s.retryConflicts(ctx, op, func() error {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
		return err
	})
}

// updateItem runs a conditional UpdateItem; a failed condition is
// conditionFailed (a shop error kind), anything else goes through storeErr.
func (s *Store) updateItem(ctx context.Context, op string, in *dynamodb.UpdateItemInput, conditionFailed error) error {
	err := s.retryConflicts(ctx, op, func() error {
		_, err := s.db.UpdateItem(ctx, in)
		return err
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return conditionFailed
	}
	return err
}

// retryConflicts runs call, a single-item write, again while DynamoDB
// refuses it with a TransactionConflictException: the item is part of a
// transaction in progress (a checkout holding the cart or its products, a
// registration holding the user), which is over within milliseconds. The
// SDK retries throttling and network failures itself, but not this. The
// write was not applied, so running it again is safe. Attempts are
// bounded (s.txAttempts) and so is their time: the backoff, exponential
// with jitter, stops at ctx's deadline. A conflict that outlasts them is
// shop.ErrConflict (503 "try again"); every error goes through storeErr,
// but a failed condition is returned as it is for the caller to name.
func (s *Store) retryConflicts(ctx context.Context, op string, call func() error) error {
	for attempt := 1; ; attempt++ {
		err := call()
		var conflict *types.TransactionConflictException
		var failed *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			return nil
		case errors.As(err, &failed):
			return err
		case !errors.As(err, &conflict) || attempt >= s.txAttempts:
			return storeErr(op, err)
		}
		if serr := shop.Pause(ctx, backoff(s.txBackoff, attempt)); serr != nil {
			return storeErr(op, fmt.Errorf("%w (after %d attempts ending in %v)", serr, attempt, err))
		}
	}
}

// scanAll reads every item of table with a strongly consistent, paginated
// Scan. Only the small tables (catalog, categories) are ever scanned.
func (s *Store) scanAll(ctx context.Context, op, table string, each func(item) error) error {
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return storeErr(op, err)
		}
		for _, it := range out.Items {
			if err := each(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// errNotFound wraps shop.ErrNotFound with what was looked for.
func errNotFound(what, id string) error {
	return fmt.Errorf("dynamo: %s %q: %w", what, id, shop.ErrNotFound)
}

var errGaveUp = errors.New("gave up after repeated attempts")

// writeIDAttribute holds the random id of the save that last put a login
// throttle record (SaveLoginThrottle): see appliedAlready.
const writeIDAttribute = "write_id"

// appliedAlready reports whether the item a failed condition returned
// (ReturnValuesOnConditionCheckFailure ALL_OLD) holds writeID in its
// attribute name: the write itself was applied by an attempt whose answer
// was lost, and the SDK's resend of it failed its condition against it.
// The write is then done, not refused.
func appliedAlready(failed *types.ConditionalCheckFailedException, name, writeID string) bool {
	stored, ok := failed.Item[name].(*types.AttributeValueMemberS)
	return ok && stored.Value == writeID
}

package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"storefront/internal/shop"
)

var _ shop.CatalogFollower = (*Store)(nil)

// The catalog feed follows two DynamoDB streams: the products table's
// (NEW_IMAGE: each record is the product as written, decoded like a read
// of the table) and the categories table's (KEYS_ONLY: any record means
// "read the categories again", and they are few). Nothing of it reads
// either table. Each stream is read in every shard, a child shard only
// once its parent is drained, so the records of one item come in the
// order they were written.
//
// "Now" is each shard's LATEST position, taken when FollowCatalog is
// called: DynamoDB (and the local server, moto, which places it after the
// shard's last record) puts a LATEST iterator just after the most recent
// record, so every change committed after FollowCatalog returned comes
// after it. Shards that were closed then hold only older records and are
// not read; shards that appear later (a split or a rotation closes a
// shard and opens children) are read from their start (TRIM_HORIZON):
// everything in them is newer.

// catalogRecordsLimit is the most records one GetRecords call returns (the
// API's own maximum): Changes makes one call per shard, never waiting.
const catalogRecordsLimit = 1000

// streamsAPI is what the catalog feed asks of DynamoDB Streams (a test
// puts a failing one in between).
type streamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// streamsClient returns a DynamoDB Streams client with the settings of
// the store's client (region, credentials, endpoint, HTTP client and
// retries): a local server serves both APIs.
func (s *Store) streamsClient() *dynamodbstreams.Client {
	o := s.db.Options()
	return dynamodbstreams.New(dynamodbstreams.Options{Region: o.Region, Credentials: o.Credentials,
		BaseEndpoint: o.BaseEndpoint, HTTPClient: o.HTTPClient, Retryer: o.Retryer, RetryMaxAttempts: o.RetryMaxAttempts})
}

// FollowCatalog starts following the products and categories tables'
// streams from now (each open shard at LATEST): shop.CatalogFollower.
func (s *Store) FollowCatalog(ctx context.Context) (shop.CatalogFeed, error) {
	return s.followCatalog(ctx, s.streamsClient())
}

func (s *Store) followCatalog(ctx context.Context, streams streamsAPI) (*catalogFeed, error) {
	f := &catalogFeed{store: s, streams: streams}
	if err := f.start(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// catalogFeed is the shop.CatalogFeed of a Store. One goroutine uses it
// at a time.
type catalogFeed struct {
	store      *Store
	streams    streamsAPI
	products   *followedStream
	categories *followedStream
	// pending is what was read but not yet returned, because a later call
	// of the same Changes failed: the next Changes returns it first.
	pending shop.CatalogChanges
	// lost says the position was lost and the feed could not yet be
	// positioned at now again: the next Changes tries, then reports Lost.
	lost bool
}

// followedStream is the feed's position in one table's stream.
type followedStream struct {
	table, arn string
	shards     []*feedShard // in the order DescribeStream lists them (parents first)
	byID       map[string]*feedShard
	describe   bool // list the shards again before reading: one was drained, children may follow
}

// feedShard is the position in one shard.
type feedShard struct {
	id, parent string
	iterator   string // "" until opened
	drained    bool   // closed and read to its end, or closed before the feed started
}

// start (again) positions the feed at now: every open shard of both
// streams at LATEST.
func (f *catalogFeed) start(ctx context.Context) error {
	products, err := f.follow(ctx, f.store.products)
	if err != nil {
		return err
	}
	categories, err := f.follow(ctx, f.store.categories)
	if err != nil {
		return err
	}
	f.products, f.categories = products, categories
	return nil
}

// follow finds table's stream and opens each of its open shards at LATEST.
func (f *catalogFeed) follow(ctx context.Context, table string) (*followedStream, error) {
	out, err := f.store.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, storeErr("describe the stream of "+table, err)
	}
	if out.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("dynamo: table %s has no stream", table)
	}
	fs := &followedStream{table: table, arn: *out.Table.LatestStreamArn, byID: map[string]*feedShard{}}
	err = f.describe(ctx, fs, func(sh streamtypes.Shard) (*feedShard, error) {
		c := &feedShard{id: aws.ToString(sh.ShardId), parent: aws.ToString(sh.ParentShardId)}
		if sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil {
			c.drained = true // closed: nothing in it is newer than now
			return c, nil
		}
		return c, f.open(ctx, fs, c, streamtypes.ShardIteratorTypeLatest)
	})
	return fs, err
}

// describe lists fs's shards, calling add for each one not known yet.
func (f *catalogFeed) describe(ctx context.Context, fs *followedStream, add func(streamtypes.Shard) (*feedShard, error)) error {
	var start *string
	for {
		out, err := f.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(fs.arn),
			ExclusiveStartShardId: start})
		if err != nil {
			return streamErr("describe the stream of "+fs.table, err)
		}
		for _, sh := range out.StreamDescription.Shards {
			if fs.byID[aws.ToString(sh.ShardId)] != nil {
				continue
			}
			c, err := add(sh)
			if err != nil {
				return err
			}
			fs.byID[c.id] = c
			fs.shards = append(fs.shards, c)
		}
		if start = out.StreamDescription.LastEvaluatedShardId; start == nil {
			return nil
		}
	}
}

func (f *catalogFeed) open(ctx context.Context, fs *followedStream, c *feedShard, at streamtypes.ShardIteratorType) error {
	out, err := f.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(fs.arn),
		ShardId: aws.String(c.id), ShardIteratorType: at})
	if err != nil {
		return streamErr("open the stream of "+fs.table, err)
	}
	c.iterator = aws.ToString(out.ShardIterator)
	return nil
}

// errFeedLost says a stream can no longer be followed from where the feed
// was: its iterator expired, its records were trimmed (older than 24
// hours), the stream went away or held a record the feed cannot apply.
var errFeedLost = errors.New("dynamo: catalog stream position lost")

// Changes reads each readable shard of both streams once (one GetRecords
// each) and returns what changed: shop.CatalogFeed. A lost position is
// reported as Lost, the feed then positioned at now again.
func (f *catalogFeed) Changes(ctx context.Context) (shop.CatalogChanges, error) {
	if f.lost {
		return f.restart(ctx)
	}
	err := f.read(ctx, f.products, func(rec streamtypes.Record) error {
		if rec.Dynamodb == nil || len(rec.Dynamodb.NewImage) == 0 {
			// A removed product: the shop never deletes one, and a
			// batch has no way to say so; the reader loads it all.
			return fmt.Errorf("%w: a product was removed", errFeedLost)
		}
		p, err := productFromItem(itemOfStream(rec.Dynamodb.NewImage))
		if err != nil {
			return fmt.Errorf("%w: %w", errFeedLost, err)
		}
		f.pending.Products = append(f.pending.Products, *p)
		return nil
	})
	if err == nil {
		err = f.read(ctx, f.categories, func(streamtypes.Record) error {
			f.pending.CategoriesChanged = true
			return nil
		})
	}
	if errors.Is(err, errFeedLost) {
		f.lost = true
		return f.restart(ctx)
	}
	if err != nil {
		return shop.CatalogChanges{}, err // what was read stays pending for the next call
	}
	changes := f.pending
	f.pending = shop.CatalogChanges{}
	return changes, nil
}

// restart positions a feed that lost its position at now again and
// reports Lost; when that fails, the next Changes tries again.
func (f *catalogFeed) restart(ctx context.Context) (shop.CatalogChanges, error) {
	if err := f.start(ctx); err != nil {
		return shop.CatalogChanges{}, err
	}
	f.lost, f.pending = false, shop.CatalogChanges{}
	return shop.CatalogChanges{Lost: true}, nil
}

// read reads every readable shard of fs once, passing each record to each.
func (f *catalogFeed) read(ctx context.Context, fs *followedStream, each func(streamtypes.Record) error) error {
	if fs.describe {
		// A shard was drained: its children, opened since the feed
		// started, are read from their start.
		err := f.describe(ctx, fs, func(sh streamtypes.Shard) (*feedShard, error) {
			return &feedShard{id: aws.ToString(sh.ShardId), parent: aws.ToString(sh.ParentShardId)}, nil
		})
		if err != nil {
			return err
		}
		fs.describe = false
	}
	for _, c := range fs.shards {
		if c.drained || (fs.byID[c.parent] != nil && !fs.byID[c.parent].drained) {
			continue
		}
		if c.iterator == "" {
			if err := f.open(ctx, fs, c, streamtypes.ShardIteratorTypeTrimHorizon); err != nil {
				return err
			}
		}
		out, err := f.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(c.iterator),
			Limit: aws.Int32(catalogRecordsLimit)})
		if err != nil {
			return streamErr("read the stream of "+fs.table, err)
		}
		for _, rec := range out.Records {
			if err := each(rec); err != nil {
				return err
			}
		}
		if out.NextShardIterator == nil {
			c.drained, fs.describe = true, true
		} else {
			c.iterator = *out.NextShardIterator
		}
	}
	return nil
}

// streamErr is errFeedLost for the errors that mean the feed's position
// is gone: an expired iterator (15 minutes unused), trimmed records (the
// stream keeps 24 hours), a stream that no longer exists (turned off and
// on again: a new stream). Anything else goes through storeErr.
func streamErr(op string, err error) error {
	var expired *streamtypes.ExpiredIteratorException
	var trimmed *streamtypes.TrimmedDataAccessException
	var missing *streamtypes.ResourceNotFoundException
	if errors.As(err, &expired) || errors.As(err, &trimmed) || errors.As(err, &missing) {
		return fmt.Errorf("%w: %s: %w", errFeedLost, op, err)
	}
	return storeErr(op, err)
}

// Close releases nothing: the feed holds no connection of its own.
func (f *catalogFeed) Close() error { return nil }

// itemOfStream converts a stream record's image into a table item, so the
// table's own decoding (productFromItem) reads it.
func itemOfStream(image map[string]streamtypes.AttributeValue) item {
	it := make(item, len(image))
	for k, v := range image {
		it[k] = valueOfStream(v)
	}
	return it
}

func valueOfStream(v streamtypes.AttributeValue) types.AttributeValue {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return &types.AttributeValueMemberS{Value: v.Value}
	case *streamtypes.AttributeValueMemberN:
		return &types.AttributeValueMemberN{Value: v.Value}
	case *streamtypes.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Value}
	case *streamtypes.AttributeValueMemberB:
		return &types.AttributeValueMemberB{Value: v.Value}
	case *streamtypes.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: v.Value}
	case *streamtypes.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: v.Value}
	case *streamtypes.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: v.Value}
	case *streamtypes.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: v.Value}
	case *streamtypes.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = valueOfStream(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *streamtypes.AttributeValueMemberM:
		return &types.AttributeValueMemberM{Value: itemOfStream(v.Value)}
	}
	return nil // an unknown kind: the decoding reports the attribute as malformed
}

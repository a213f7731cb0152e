package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"storefront/internal/shop"
)

// StreamReader reads the orders table's stream (NEW_IMAGE), every shard,
// each from its checkpoint in the processing table (TRIM_HORIZON when it
// has none), as order events: the processor's source on DynamoDB
// (docs/processing.md). A child shard is read only once its parent is
// drained, so one order's events come in their order. It is not safe for
// concurrent use: one processor loop owns it.
type StreamReader struct {
	streams   *dynamodbstreams.Client
	store     *Store
	streamARN string
	shards    []*shardCursor // in the order DescribeStream lists them (parents first)
	byID      map[string]*shardCursor
	described time.Time // when the shards were last listed
	next      int       // the shard Next reads first, round robin
	// Poll is the pause of a Next that found nothing new; Batch the most
	// records one Next returns.
	Poll  time.Duration
	Batch int32
}

// shardCursor is how far the reader is in one shard.
type shardCursor struct {
	id, parent string
	iterator   string // "" until opened (or opened again after the iterator expired)
	opened     bool   // once opened: handedOut holds where to go on
	drained    bool   // closed, and every record read
	handedOut  string // sequence number of the last record Next returned
	done       string // sequence number of the last record Done
}

// describeEvery is how often the reader lists the shards again: DynamoDB
// splits and closes shards every few hours.
const describeEvery = 30 * time.Second

// StreamReader returns a reader of the orders table's stream, through a
// DynamoDB Streams client with the store's client's settings (region,
// credentials, endpoint: a local server serves both APIs).
func (s *Store) StreamReader(ctx context.Context) (*StreamReader, error) {
	out, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.orders)})
	if err != nil {
		return nil, storeErr("describe the orders stream", err)
	}
	if out.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("dynamo: table %s has no stream", s.orders)
	}
	return &StreamReader{streams: s.streamsClient(), store: s, streamARN: *out.Table.LatestStreamArn, byID: map[string]*shardCursor{},
		Poll: 250 * time.Millisecond, Batch: 100}, nil
}

// Next returns the next records of one shard (round robin over the shards
// with records), waiting Poll when none has any. Records handed out but not
// Done come again only from a new reader (the processor keeps them until
// they are done); an expired iterator is opened again after the last
// record handed out.
func (r *StreamReader) Next(ctx context.Context) ([]shop.EventRecord, error) {
	if len(r.shards) == 0 || time.Since(r.described) > describeEvery {
		if err := r.describe(ctx); err != nil {
			return nil, err
		}
	}
	for range len(r.shards) {
		c := r.shards[r.next%len(r.shards)]
		r.next++
		if c.drained || (r.byID[c.parent] != nil && !r.byID[c.parent].drained) {
			continue
		}
		records, err := r.read(ctx, c)
		if err != nil || len(records) > 0 {
			return records, err
		}
	}
	_ = shop.Pause(ctx, r.Poll) // the caller sees ctx end
	return nil, nil
}

// describe lists the stream's shards, adding those not known yet.
func (r *StreamReader) describe(ctx context.Context) error {
	var start *string
	for {
		out, err := r.streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.streamARN),
			ExclusiveStartShardId: start})
		if err != nil {
			return storeErr("describe the orders stream", err)
		}
		for _, sh := range out.StreamDescription.Shards {
			id := aws.ToString(sh.ShardId)
			if r.byID[id] == nil {
				c := &shardCursor{id: id, parent: aws.ToString(sh.ParentShardId)}
				r.byID[id] = c
				r.shards = append(r.shards, c)
			}
		}
		if start = out.StreamDescription.LastEvaluatedShardId; start == nil {
			break
		}
	}
	r.described = time.Now()
	return nil
}

// read returns the next records of shard c, opening it from its checkpoint
// first when needed.
func (r *StreamReader) read(ctx context.Context, c *shardCursor) ([]shop.EventRecord, error) {
	if c.iterator == "" {
		if err := r.open(ctx, c); err != nil {
			return nil, err
		}
	}
	out, err := r.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(c.iterator), Limit: aws.Int32(r.Batch)})
	var expired *streamtypes.ExpiredIteratorException
	if errors.As(err, &expired) {
		c.iterator = "" // opened again from the checkpoint next time
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("read the orders stream", err)
	}
	if out.NextShardIterator == nil {
		c.drained = true
	} else {
		c.iterator = *out.NextShardIterator
	}
	records := make([]shop.EventRecord, 0, len(out.Records))
	for _, rec := range out.Records {
		records = append(records, eventOf(c.id, rec))
	}
	if n := len(records); n > 0 {
		c.handedOut = records[n-1].Position
	}
	return records, nil
}

// open gets shard c's iterator after its checkpoint, or at its start; or,
// opened before (the iterator expired), after the last record handed out.
func (r *StreamReader) open(ctx context.Context, c *shardCursor) error {
	seq := c.handedOut
	if !c.opened {
		var err error
		if seq, err = r.store.Checkpoint(ctx, r.streamARN, c.id); err != nil {
			return err
		}
		c.done, c.handedOut = seq, seq
	}
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.streamARN), ShardId: aws.String(c.id),
		ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
	if seq != "" {
		in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAfterSequenceNumber, aws.String(seq)
	}
	out, err := r.streams.GetShardIterator(ctx, in)
	var trimmed *streamtypes.TrimmedDataAccessException
	if errors.As(err, &trimmed) && seq != "" {
		// The checkpoint is older than the stream keeps (24 hours): what
		// came after it is gone; go on from the oldest record there is.
		in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeTrimHorizon, nil
		out, err = r.streams.GetShardIterator(ctx, in)
	}
	if err != nil {
		return storeErr("open the orders stream", err)
	}
	c.iterator, c.opened = aws.ToString(out.ShardIterator), true
	return nil
}

// Done saves rec's shard checkpoint at rec.
func (r *StreamReader) Done(ctx context.Context, rec shop.EventRecord) error {
	if err := r.store.SaveCheckpoint(ctx, r.streamARN, rec.Shard, rec.Position); err != nil {
		return err
	}
	if c := r.byID[rec.Shard]; c != nil {
		c.done = rec.Position
	}
	return nil
}

// eventOf is the order event of a stream record: the order id and status
// of its new image. A record without them (a removed item, which the shop
// never writes) is an event with neither, which processing passes over.
func eventOf(shard string, rec streamtypes.Record) shop.EventRecord {
	er := shop.EventRecord{Shard: shard}
	if rec.Dynamodb == nil {
		return er
	}
	er.Position = aws.ToString(rec.Dynamodb.SequenceNumber)
	er.At = aws.ToTime(rec.Dynamodb.ApproximateCreationDateTime)
	if id, ok := rec.Dynamodb.NewImage["order_id"].(*streamtypes.AttributeValueMemberS); ok {
		er.Event.OrderID = id.Value
	}
	if status, ok := rec.Dynamodb.NewImage["status"].(*streamtypes.AttributeValueMemberS); ok {
		er.Event.Status = status.Value
	}
	return er
}

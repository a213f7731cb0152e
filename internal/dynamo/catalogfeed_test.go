package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// catalogChangesWithin calls Changes until want says the batches so far
// hold what it waits for, for at most the 2 seconds a listing may lag.
func catalogChangesWithin(t *testing.T, f shop.CatalogFeed, want func(all shop.CatalogChanges) bool) shop.CatalogChanges {
	t.Helper()
	var all shop.CatalogChanges
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := f.Changes(t.Context())
		if err != nil {
			t.Fatalf("Changes() = %v; want nil", err)
		}
		all.Products = append(all.Products, c.Products...)
		all.CategoriesChanged = all.CategoriesChanged || c.CategoriesChanged
		all.Lost = all.Lost || c.Lost
		if want(all) {
			return all
		}
		if time.Now().After(deadline) {
			t.Fatalf("Changes() within 2 s = %s; want more", describeChanges(all))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func describeChanges(c shop.CatalogChanges) string {
	var b strings.Builder
	for _, p := range c.Products {
		fmt.Fprintf(&b, "%s(price %d, stock %d, %q) ", p.ID, p.PriceCents, p.Stock, p.Name)
	}
	return fmt.Sprintf("products [%s], categories changed %v, lost %v", b.String(), c.CategoriesChanged, c.Lost)
}

// lastOf returns the last change of product id in c, nil when there is none.
func lastOf(c shop.CatalogChanges, id string) *shop.Product {
	var last *shop.Product
	for i := range c.Products {
		if c.Products[i].ID == id {
			last = &c.Products[i]
		}
	}
	return last
}

// TestCatalogFeedReportsWhatChangesAfterItStarts: on the local server,
// through the products and categories streams, a feed reports a new
// product, a price change, a stock change by a placed order and a new
// category, each as written, and nothing written before FollowCatalog.
func TestCatalogFeedReportsWhatChangesAfterItStarts(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	kettle := shoptest.NewProduct("kettle", 3900, 10)
	shoptest.MustSaveProduct(t, s, kettle, shoptest.NewProduct("teapot", 2500, 4))
	if err := s.SaveCategory(ctx, &shop.Category{ID: "kitchen", Name: "Kitchen"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProduct(ctx, "teapot", shop.ProductUpdate{Name: aws.String("Old teapot")}); err != nil {
		t.Fatal(err)
	}

	feed, err := s.FollowCatalog(ctx)
	if err != nil {
		t.Fatalf("FollowCatalog() = %v; want nil", err)
	}
	defer feed.Close()
	if c, err := feed.Changes(ctx); err != nil || !c.Empty() {
		t.Fatalf("Changes() before any change = %s, %v; want empty (nothing written before FollowCatalog)", describeChanges(c), err)
	}

	mug := shoptest.NewProduct("mug", 900, 7)
	shoptest.MustSaveProduct(t, s, mug)
	c := catalogChangesWithin(t, feed, func(c shop.CatalogChanges) bool { return lastOf(c, "mug") != nil })
	if got := lastOf(c, "mug"); *got != *mug {
		t.Errorf("saved product reported as %+v; want %+v", *got, *mug)
	}
	if lastOf(c, "kettle") != nil || lastOf(c, "teapot") != nil || c.CategoriesChanged || c.Lost {
		t.Errorf("Changes() after saving mug = %s; want mug only", describeChanges(c))
	}

	price := shop.Money(4200)
	if _, err := s.UpdateProduct(ctx, "kettle", shop.ProductUpdate{PriceCents: &price}); err != nil {
		t.Fatal(err)
	}
	c = catalogChangesWithin(t, feed, func(c shop.CatalogChanges) bool { return lastOf(c, "kettle") != nil })
	if got := lastOf(c, "kettle"); got.PriceCents != 4200 || got.Stock != 10 || got.Name != kettle.Name {
		t.Errorf("repriced kettle reported as %+v; want price 4200, stock 10", *got)
	}

	if err := s.PlaceOrder(ctx, shoptest.NewOrder("o1", "u1", time.Now(), shoptest.LineOf(mug, 3), shoptest.LineOf(&shop.Product{
		ID: "kettle", Name: kettle.Name, PriceCents: 4200}, 2)), nil); err != nil {
		t.Fatalf("PlaceOrder() = %v; want nil", err)
	}
	c = catalogChangesWithin(t, feed, func(c shop.CatalogChanges) bool {
		return lastOf(c, "mug") != nil && lastOf(c, "kettle") != nil
	})
	if m, k := lastOf(c, "mug"), lastOf(c, "kettle"); m.Stock != 4 || k.Stock != 8 || k.PriceCents != 4200 {
		t.Errorf("after an order of 3 mugs and 2 kettles: %s; want mug stock 4, kettle stock 8", describeChanges(c))
	}
	if c.CategoriesChanged || c.Lost || len(c.Products) != 2 {
		t.Errorf("Changes() after an order = %s; want the two products only", describeChanges(c))
	}

	if err := s.SaveCategory(ctx, &shop.Category{ID: "garden", Name: "Garden"}); err != nil {
		t.Fatal(err)
	}
	c = catalogChangesWithin(t, feed, func(c shop.CatalogChanges) bool { return c.CategoriesChanged })
	if len(c.Products) != 0 || c.Lost {
		t.Errorf("Changes() after a new category = %s; want categories changed only", describeChanges(c))
	}
	if c, err := feed.Changes(ctx); err != nil || !c.Empty() {
		t.Errorf("Changes() once all was reported = %s, %v; want empty", describeChanges(c), err)
	}
}

// failingStreams is the real Streams client, but once fail is set, the
// GetRecords call after failAfter more fails with it (once).
type failingStreams struct {
	streamsAPI
	fail         atomic.Pointer[error]
	failAfter    atomic.Int32
	failDescribe atomic.Bool // DescribeStream fails while set
}

func (f *failingStreams) DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	if f.failDescribe.Load() {
		return nil, &streamtypes.InternalServerError{Message: aws.String("down")}
	}
	return f.streamsAPI.DescribeStream(ctx, in, optFns...)
}

func (f *failingStreams) GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	if f.fail.Load() != nil && f.failAfter.Add(-1) < 0 {
		if err := f.fail.Swap(nil); err != nil {
			return nil, *err
		}
	}
	return f.streamsAPI.GetRecords(ctx, in, optFns...)
}

// TestCatalogFeedReportsLostPosition: an expired iterator or trimmed
// records make the batch Lost, and the feed follows again from then on.
func TestCatalogFeedReportsLostPosition(t *testing.T) {
	s := newTestStore(t)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"expired iterator", &streamtypes.ExpiredIteratorException{Message: aws.String("Iterator expired")}},
		{"trimmed", &streamtypes.TrimmedDataAccessException{Message: aws.String("trimmed")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			streams := &failingStreams{streamsAPI: s.streamsClient()}
			feed, err := s.followCatalog(t.Context(), streams)
			if err != nil {
				t.Fatalf("FollowCatalog() = %v", err)
			}
			// Positioning the feed again fails at first: Lost comes once
			// it worked.
			streams.fail.Store(&tc.err)
			streams.failDescribe.Store(true)
			if c, err := feed.Changes(t.Context()); !errors.Is(err, shop.ErrUnavailable) {
				t.Fatalf("Changes() after %v, the stream not to be described = %s, %v; want ErrUnavailable", tc.err, describeChanges(c), err)
			}
			streams.failDescribe.Store(false)
			if c, err := feed.Changes(t.Context()); err != nil || !c.Lost {
				t.Fatalf("Changes() after %v = %s, %v; want Lost", tc.err, describeChanges(c), err)
			}
			p := shoptest.NewProduct("p-"+strings.ReplaceAll(tc.name, " ", "-"), 100, 1)
			shoptest.MustSaveProduct(t, s, p)
			c := catalogChangesWithin(t, feed, func(c shop.CatalogChanges) bool { return lastOf(c, p.ID) != nil })
			if c.Lost {
				t.Errorf("Changes() after Lost = %s; want the product saved since", describeChanges(c))
			}
		})
	}
}

// TestCatalogFeedKeepsWhatItReadBeforeAnError: a batch read in part when
// a call fails is reported by the next call, so nothing is lost.
func TestCatalogFeedKeepsWhatItReadBeforeAnError(t *testing.T) {
	s := newTestStore(t)
	streams := &failingStreams{streamsAPI: s.streamsClient()}
	feed, err := s.followCatalog(t.Context(), streams)
	if err != nil {
		t.Fatal(err)
	}
	shoptest.MustSaveProduct(t, s, shoptest.NewProduct("kettle", 3900, 10))
	// The products stream (one shard on the local server) is read, then
	// the categories stream fails.
	var fail error = &streamtypes.LimitExceededException{Message: aws.String("slow down")}
	streams.failAfter.Store(1)
	streams.fail.Store(&fail)
	if _, err := feed.Changes(t.Context()); !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("Changes() with the categories stream failing = %v; want ErrUnavailable", err)
	}
	c, err := feed.Changes(t.Context())
	if err != nil || lastOf(c, "kettle") == nil || c.Lost {
		t.Errorf("Changes() after an error = %s, %v; want kettle, read by the failed call", describeChanges(c), err)
	}
}

// fakeShard is a shard of fakeStreams: its records (product ids, in
// order), its parent, and whether it is closed.
type fakeShard struct {
	id, parent string
	records    []string
	closed     bool
}

// fakeStreams is a products stream whose shards split as DynamoDB's do
// (the local server's stream has one shard that never closes), and a
// categories stream of one empty shard. Iterators are "stream/shard/n".
type fakeStreams struct {
	shards []*fakeShard
	reads  []string // "shard@position" of every GetRecords of products
}

func (f *fakeStreams) shard(id string) *fakeShard {
	for _, sh := range f.shards {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

func (f *fakeStreams) DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	d := &streamtypes.StreamDescription{}
	if strings.Contains(aws.ToString(in.StreamArn), "products/stream/") {
		for _, sh := range f.shards {
			r := &streamtypes.SequenceNumberRange{StartingSequenceNumber: aws.String("0")}
			if sh.closed {
				r.EndingSequenceNumber = aws.String(fmt.Sprint(len(sh.records)))
			}
			d.Shards = append(d.Shards, streamtypes.Shard{ShardId: aws.String(sh.id), SequenceNumberRange: r,
				ParentShardId: map[bool]*string{true: aws.String(sh.parent), false: nil}[sh.parent != ""]})
		}
	} else {
		d.Shards = []streamtypes.Shard{{ShardId: aws.String("c0"), SequenceNumberRange: &streamtypes.SequenceNumberRange{}}}
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: d}, nil
}

func (f *fakeStreams) GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	id, pos := aws.ToString(in.ShardId), 0
	if sh := f.shard(id); sh != nil && in.ShardIteratorType == streamtypes.ShardIteratorTypeLatest {
		pos = len(sh.records)
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(fmt.Sprintf("%s/%d", id, pos))}, nil
}

func (f *fakeStreams) GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	var id string
	var pos int
	if _, err := fmt.Sscanf(strings.Replace(aws.ToString(in.ShardIterator), "/", " ", 1), "%s %d", &id, &pos); err != nil {
		return nil, err
	}
	sh := f.shard(id)
	if sh == nil { // the categories stream: always empty, open
		return &dynamodbstreams.GetRecordsOutput{NextShardIterator: in.ShardIterator}, nil
	}
	f.reads = append(f.reads, fmt.Sprintf("%s@%d", id, pos))
	out := &dynamodbstreams.GetRecordsOutput{}
	for _, pid := range sh.records[pos:] {
		p := productItem(shoptest.NewProduct(pid, 100, 1))
		image := map[string]streamtypes.AttributeValue{}
		for k, v := range p {
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				image[k] = &streamtypes.AttributeValueMemberS{Value: v.Value}
			case *types.AttributeValueMemberN:
				image[k] = &streamtypes.AttributeValueMemberN{Value: v.Value}
			case *types.AttributeValueMemberBOOL:
				image[k] = &streamtypes.AttributeValueMemberBOOL{Value: v.Value}
			}
		}
		out.Records = append(out.Records, streamtypes.Record{Dynamodb: &streamtypes.StreamRecord{NewImage: image}})
	}
	if !sh.closed {
		out.NextShardIterator = aws.String(fmt.Sprintf("%s/%d", id, len(sh.records)))
	}
	return out, nil
}

func productIDsOf(c shop.CatalogChanges) string {
	var ids []string
	for _, p := range c.Products {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, " ")
}

// TestCatalogFeedFollowsShardsAsTheySplit: shards closed before the feed
// started are not read, open ones from then on; a child is read from its
// start once its parent is drained, so one product's changes stay in
// order across a split.
func TestCatalogFeedFollowsShardsAsTheySplit(t *testing.T) {
	s := newTestStore(t)
	fake := &fakeStreams{shards: []*fakeShard{
		{id: "a", records: []string{"old1"}, closed: true},
		{id: "b", parent: "a", records: []string{"old2"}},
		{id: "x", records: []string{"old3"}},
	}}
	f := &catalogFeed{store: s, streams: fake}
	if err := f.start(t.Context()); err != nil {
		t.Fatal(err)
	}
	changes := func() string {
		t.Helper()
		c, err := f.Changes(t.Context())
		if err != nil || c.Lost || c.CategoriesChanged {
			t.Fatalf("Changes() = %s, %v; want products only", describeChanges(c), err)
		}
		return productIDsOf(c)
	}
	if got := changes(); got != "" {
		t.Fatalf("Changes() at first = %q; want nothing (all written before the feed started)", got)
	}
	// b and x get a record each; b splits into c and d, each getting a
	// record, and the record of c's own child e comes last.
	fake.shard("b").records = append(fake.shard("b").records, "p1")
	fake.shard("x").records = append(fake.shard("x").records, "q1")
	fake.shard("b").closed = true
	fake.shards = append(fake.shards, &fakeShard{id: "c", parent: "b", records: []string{"p2"}},
		&fakeShard{id: "d", parent: "b", records: []string{"p3"}})
	if got := changes(); got != "p1 q1" {
		t.Errorf("Changes() with b closed = %q; want %q (b and x, not b's children before b is drained)", got, "p1 q1")
	}
	fake.shard("c").closed = true
	fake.shards = append(fake.shards, &fakeShard{id: "e", parent: "c", records: []string{"p4"}})
	// c is read to its end, then its child e, in one round.
	if got := changes(); got != "p2 p3 p4" {
		t.Errorf("Changes() after b drained = %q; want %q (its children from their start, c before its child e)", got, "p2 p3 p4")
	}
	if got := changes(); got != "" {
		t.Errorf("Changes() at the end = %q; want nothing", got)
	}
	for _, r := range fake.reads {
		if strings.HasPrefix(r, "a@") {
			t.Errorf("shard a, closed before the feed started, was read (%v)", fake.reads)
		}
	}
}

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table name suffixes; every name is the configured prefix plus one of these.
const (
	tableOrders     = "orders"
	tableUsers      = "users"
	tableSessions   = "sessions"
	tableProducts   = "products"
	tableCategories = "categories"
	tableCarts      = "carts"
	tableThrottles  = "login_throttles"
	tableAudit      = "audit"
	tableProcessing = "processing"
)

// Index names.
const (
	indexOrdersByUser   = "by_user_created"
	indexOrdersByStatus = "by_status_created"
	indexSessionsByUser = "by_user"
)

// tableSpec describes one table: what New creates and what
// deploy/cloudformation.json declares (deploy_test.go compares the two).
type tableSpec struct {
	Suffix       string
	HashKey      string
	RangeKey     string            // empty: none
	Attributes   map[string]string // key attributes of the table and its indexes -> S or N
	Indexes      []indexSpec
	TTLAttribute string // empty: no TTL; else ttlAttribute
	// Durable tables hold what cannot be rebuilt (users, stock, orders):
	// point-in-time recovery, and in the template also deletion
	// protection and DeletionPolicy/UpdateReplacePolicy Retain. New does
	// not turn on deletion protection: tables it creates serve local
	// servers and tests, which drop them; production tables come from
	// deploy/cloudformation.json.
	Durable bool
	// Stream is the view type of the table's DynamoDB stream; empty: none.
	Stream types.StreamViewType
}

// ttlAttribute is the attribute DynamoDB's TTL reads on every table whose
// items expire: epoch seconds after which DynamoDB deletes the item
// (typically within a few days; readers check the item's own times).
const ttlAttribute = "ttl"

// indexSpec is a global secondary index.
type indexSpec struct {
	Name       string
	HashKey    string
	RangeKey   string
	Projection types.ProjectionType
}

// tableSpecs are the storefront's tables. Capacity is on demand for all.
// Stock and email uniqueness are only ever checked on base-table items
// (strongly consistent, conditional writes), never through an index: an
// index is eventually consistent.
var tableSpecs = []tableSpec{
	{
		Suffix: tableOrders, HashKey: "order_id",
		Attributes: map[string]string{"order_id": "S", "user_id": "S", "created_at": "S", "status": "S"},
		// The indexes project every attribute so OrdersByUser and the
		// staff's list by status (SearchOrders) are Queries, no Scan.
		Indexes: []indexSpec{
			{Name: indexOrdersByUser, HashKey: "user_id", RangeKey: "created_at", Projection: types.ProjectionTypeAll},
			{Name: indexOrdersByStatus, HashKey: "status", RangeKey: "created_at", Projection: types.ProjectionTypeAll},
		},
		Durable: true,
		// Order processing reads placed orders from the stream; the new
		// image is the whole order item.
		Stream: types.StreamViewTypeNewImage,
	},
	{
		// One table, two item kinds: "user#<id>" (the user) and
		// "email#<email>" (the guard making an email unique).
		Suffix: tableUsers, HashKey: "pk",
		Attributes: map[string]string{"pk": "S"},
		Durable:    true,
	},
	{
		Suffix: tableSessions, HashKey: "id_hash",
		Attributes: map[string]string{"id_hash": "S", "user_id": "S"},
		// Sparse: guest sessions have no user_id and are not in it.
		Indexes:      []indexSpec{{Name: indexSessionsByUser, HashKey: "user_id", Projection: types.ProjectionTypeKeysOnly}},
		TTLAttribute: ttlAttribute,
	},
	{
		// Each server's catalog read model follows the stream
		// (catalogfeed.go); the new image is the product as written.
		Suffix: tableProducts, HashKey: "id", Attributes: map[string]string{"id": "S"}, Durable: true,
		Stream: types.StreamViewTypeNewImage,
	},
	{
		// A record only says "read the categories again" (there are
		// few): the keys are enough.
		Suffix: tableCategories, HashKey: "id", Attributes: map[string]string{"id": "S"},
		Stream: types.StreamViewTypeKeysOnly,
	},
	{Suffix: tableCarts, HashKey: "id", Attributes: map[string]string{"id": "S"}, TTLAttribute: ttlAttribute},
	{Suffix: tableThrottles, HashKey: "throttle_key", Attributes: map[string]string{"throttle_key": "S"}, TTLAttribute: ttlAttribute},
	{
		// The audit log (audit.go): one fixed partition "audit", sorted
		// by time and id; appended to on condition the key is new.
		Suffix: tableAudit, HashKey: "pk", RangeKey: "sk",
		Attributes: map[string]string{"pk": "S", "sk": "S"},
		Durable:    true,
	},
	{
		// Order processing (processing.go): message claims, dead letters
		// and the stream reader's checkpoints. Not durable: losing it
		// could only re-send a message, never lose an order.
		Suffix: tableProcessing, HashKey: "pk", RangeKey: "sk",
		Attributes: map[string]string{"pk": "S", "sk": "S"},
	},
}

// createTableInput returns the CreateTable request of spec under prefix.
func createTableInput(prefix string, spec tableSpec) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(prefix + spec.Suffix),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(spec.HashKey, spec.RangeKey),
	}
	for _, name := range sortedKeys(spec.Attributes) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(name), AttributeType: types.ScalarAttributeType(spec.Attributes[name]),
		})
	}
	for _, ix := range spec.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.HashKey, ix.RangeKey),
			Projection: &types.Projection{ProjectionType: ix.Projection},
		})
	}
	if spec.Stream != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: spec.Stream}
	}
	return in
}

func keySchema(hash, rng string) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
	if rng != "" {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
	}
	return ks
}

// tableWait bounds how long New waits for a table to become ACTIVE.
const tableWait = 5 * time.Minute

// ensureTable creates the table of spec unless it exists, waits until it is
// ACTIVE, checks that an existing one has the expected keys and indexes,
// turns on its TTL and its stream when missing (and, for a durable table
// it created, point-in-time recovery).
func ensureTable(ctx context.Context, db *dynamodb.Client, prefix string, spec tableSpec) error {
	name := prefix + spec.Suffix
	created := false
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		_, err = db.CreateTable(ctx, createTableInput(prefix, spec))
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) { // in use: another instance created it meanwhile
			return storeErr("create table "+name, err)
		}
		created = err == nil
	case err != nil:
		return storeErr("describe table "+name, err)
	default:
		// An index added to the design since the table was made is
		// created (indexes.go); keys that differ are refused below.
		if out.Table, err = addMissingIndexes(ctx, db, name, spec, out.Table); err != nil {
			return err
		}
		if err := checkTable(out.Table, spec); err != nil {
			return fmt.Errorf("dynamo: table %s: %w (see deploy/cloudformation.json)", name, err)
		}
	}
	if out == nil || out.Table.TableStatus != types.TableStatusActive {
		w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = time.Second, 5*time.Second
		})
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tableWait); err != nil {
			return fmt.Errorf("dynamo: waiting for table %s: %w", name, err)
		}
	}
	if spec.TTLAttribute != "" {
		if err := ensureTTL(ctx, db, name, spec.TTLAttribute); err != nil {
			return err
		}
	}
	if spec.Stream != "" && !created {
		if err := ensureStream(ctx, db, name, spec.Stream, out); err != nil {
			return err
		}
	}
	if spec.Durable && created {
		_, err := db.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
			TableName:                        aws.String(name),
			PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
		})
		if err != nil {
			return storeErr("enable point-in-time recovery of "+name, err)
		}
	}
	return nil
}

// ensureStream turns on the stream of an existing table that has none
// (one created before streams were part of the design); a stream of
// another view type is an error, as changing it would cut off its readers.
func ensureStream(ctx context.Context, db *dynamodb.Client, name string, view types.StreamViewType, described *dynamodb.DescribeTableOutput) error {
	if described == nil || described.Table == nil {
		var err error
		described, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return storeErr("describe table "+name, err)
		}
	}
	if ss := described.Table.StreamSpecification; ss != nil && aws.ToBool(ss.StreamEnabled) {
		if ss.StreamViewType != view {
			return fmt.Errorf("dynamo: table %s: stream view type is %s; want %s", name, ss.StreamViewType, view)
		}
		return nil
	}
	_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:           aws.String(name),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view},
	})
	if err != nil {
		return storeErr("enable the stream of "+name, err)
	}
	return nil
}

func ensureTTL(ctx context.Context, db *dynamodb.Client, name, attr string) error {
	out, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return storeErr("describe TTL of "+name, err)
	}
	if d := out.TimeToLiveDescription; d != nil && (d.TimeToLiveStatus == types.TimeToLiveStatusEnabled ||
		d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		if got := aws.ToString(d.AttributeName); got != attr {
			return fmt.Errorf("dynamo: table %s: TTL attribute is %q; want %q", name, got, attr)
		}
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)},
	})
	if err != nil {
		return storeErr("enable TTL of "+name, err)
	}
	return nil
}

// checkTable reports how an existing table differs from spec in what the
// store relies on: its key and its indexes' keys.
func checkTable(d *types.TableDescription, spec tableSpec) error {
	if got, want := keysOf(d.KeySchema), spec.HashKey+"/"+spec.RangeKey; got != want {
		return fmt.Errorf("key is %s; want %s", got, want)
	}
	indexes := map[string]string{}
	for _, ix := range d.GlobalSecondaryIndexes {
		indexes[aws.ToString(ix.IndexName)] = keysOf(ix.KeySchema)
	}
	for _, ix := range spec.Indexes {
		got, ok := indexes[ix.Name]
		if !ok {
			return fmt.Errorf("index %s is missing", ix.Name)
		}
		if want := ix.HashKey + "/" + ix.RangeKey; got != want {
			return fmt.Errorf("index %s key is %s; want %s", ix.Name, got, want)
		}
	}
	return nil
}

func keysOf(ks []types.KeySchemaElement) string {
	var hash, rng string
	for _, k := range ks {
		if k.KeyType == types.KeyTypeHash {
			hash = aws.ToString(k.AttributeName)
		} else {
			rng = aws.ToString(k.AttributeName)
		}
	}
	return hash + "/" + rng
}

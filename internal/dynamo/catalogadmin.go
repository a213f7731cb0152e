package dynamo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// CreateProduct puts a new product on condition that no item has its id:
// an existing one is shop.ErrProductExists, writing nothing. When the SDK
// resends a create whose answer was lost, the item its condition meets is
// this create's own, attribute for attribute (its created_at to the
// nanosecond included), and the create is done, not an "exists".
func (s *Store) CreateProduct(ctx context.Context, p *shop.Product) error {
	it := productItem(p)
	err := s.retryConflicts(ctx, "create product", func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.products), Item: it,
			ConditionExpression:                 aws.String("attribute_not_exists(#id)"),
			ExpressionAttributeNames:            map[string]string{"#id": "id"},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		if reflect.DeepEqual(failed.Item, it) {
			return nil
		}
		return shop.ErrProductExists
	}
	return err
}

// batchWriteLimit is the most items one BatchWriteItem may write.
const batchWriteLimit = 25

// SaveProducts puts every product, batchWriteLimit per BatchWriteItem,
// resending the items DynamoDB leaves unprocessed (it does so when the
// table's write capacity is exceeded) with exponential backoff. Each put
// replaces a whole product by id, so after an error the same call again
// converges: products already written are written the same once more.
func (s *Store) SaveProducts(ctx context.Context, products []shop.Product) error {
	requests := make([]types.WriteRequest, len(products))
	for i := range products {
		requests[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: productItem(&products[i])}}
	}
	return s.batchWrite(ctx, "save products", s.products, requests)
}

// batchWrite runs requests on table with one BatchWriteItem per
// batchWriteLimit of them, resending the items each leaves unprocessed
// with backoff, at most s.txAttempts times a batch. An error leaves the
// batches before it written.
func (s *Store) batchWrite(ctx context.Context, op, table string, requests []types.WriteRequest) error {
	for batch := range slices.Chunk(requests, batchWriteLimit) {
		pending := map[string][]types.WriteRequest{table: batch}
		err := s.resendUnprocessed(ctx, op, "items", func() (bool, error) {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return false, storeErr(op, err)
			}
			pending = out.UnprocessedItems
			return len(pending[table]) > 0, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// resendUnprocessed runs call, a batch call that sends what the last one
// left unprocessed, until it leaves nothing (call reports whether it
// left some), with backoff between attempts, at most s.txAttempts times:
// DynamoDB leaves items of a batch unprocessed when a table's capacity is
// exceeded. Giving up is shop.ErrUnavailable naming what (keys, items).
func (s *Store) resendUnprocessed(ctx context.Context, op, what string, call func() (left bool, err error)) error {
	for attempt := 1; ; attempt++ {
		left, err := call()
		if err != nil || !left {
			return err
		}
		if attempt >= s.txAttempts {
			return fmt.Errorf("dynamo %s: %w: unprocessed %s: %w", op, shop.ErrUnavailable, what, errGaveUp)
		}
		if err := shop.Pause(ctx, backoff(s.txBackoff, attempt)); err != nil {
			return storeErr(op, err)
		}
	}
}

// EachProduct scans the catalog and calls each with every product in id
// order (a Scan has no order of its own, so the products are sorted first).
func (s *Store) EachProduct(ctx context.Context, each func(*shop.Product) error) error {
	all, err := s.allProducts(ctx, "read products")
	if err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b shop.Product) int { return strings.Compare(a.ID, b.ID) })
	for i := range all {
		if err := each(&all[i]); err != nil {
			return err
		}
	}
	return nil
}

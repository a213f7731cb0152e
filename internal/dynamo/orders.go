package dynamo

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"storefront/internal/shop"
)

const (
	cancelUnknown     cancelKind = iota // a validation error or a reason we do not know: a bug
	cancelOrderExists                   // the order's put failed its condition
	cancelCartChanged                   // the cart's delete failed its condition
	cancelLines                         // some product updates failed their conditions
	cancelConflict                      // only conflicts with other transactions (maybe throttling too)
	cancelThrottled                     // only throttling
)

// Order returns the order with id, strongly consistent, or
// shop.ErrNotFound.
func (s *Store) Order(ctx context.Context, id string) (*shop.Order, error) {
	it, err := s.getItem(ctx, "read order", s.orders, orderKey(id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, errNotFound("order", id)
	}
	return orderFromItem(it)
}

// OrdersByUser queries the by_user_created index, newest first (ties by id,
// descending). The index is eventually consistent: an order placed a
// moment ago may be missing for a fraction of a second; the page showing a
// just-placed order reads it with Order, strongly consistent.
func (s *Store) OrdersByUser(ctx context.Context, userID string) ([]shop.Order, error) {
	orders := []shop.Order{}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.orders),
		IndexName:                 aws.String(indexOrdersByUser),
		KeyConditionExpression:    aws.String("user_id = :u"),
		ExpressionAttributeValues: item{":u": str(userID)},
		ScanIndexForward:          aws.Bool(false),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, storeErr("read orders of user", err)
		}
		for _, it := range out.Items {
			o, err := orderFromItem(it)
			if err != nil {
				return nil, err
			}
			orders = append(orders, *o)
		}
	}
	slices.SortStableFunc(orders, func(a, b shop.Order) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return orders, nil
}

package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"storefront/internal/shop"
)

// The staff's order list without a Scan (docs/dynamodb.md, "The staff's
// order list"): the index by_status_created (status + created_at, every
// attribute projected) answers "the newest orders in a status, within
// dates" with one Query, backwards; the list across all statuses merges one
// such Query per status (five). One buyer's orders come from
// by_user_created, their status filtered. Both keys are attributes the
// contract's orders item has anyway, so the item gains nothing.

// SearchOrders runs the Queries q needs, each stopping after q.Limit
// matching orders, and returns the newest q.Limit of them all. The indexes
// are eventually consistent: a change of a moment ago may not show yet.
func (s *Store) SearchOrders(ctx context.Context, q shop.OrderQuery) ([]shop.Order, error) {
	if !q.BeforeAt.IsZero() && q.BeforeAt.Before(q.From) {
		return []shop.Order{}, nil // no key range: the cursor is before the first day
	}
	var queries []*dynamodb.QueryInput
	if q.UserID != "" {
		in := s.orderIndexQuery(indexOrdersByUser, "user_id", q.UserID, q)
		if q.Status != "" {
			in.FilterExpression = aws.String("#status = :status")
			in.ExpressionAttributeNames["#status"] = "status"
			in.ExpressionAttributeValues[":status"] = str(q.Status)
		}
		queries = append(queries, in)
	} else {
		statuses := shop.OrderStatuses()
		if q.Status != "" {
			statuses = []string{q.Status}
		}
		for _, status := range statuses {
			queries = append(queries, s.orderIndexQuery(indexOrdersByStatus, "status", status, q))
		}
	}
	orders := []shop.Order{}
	for _, in := range queries {
		found, err := s.queryOrders(ctx, in, q)
		if err != nil {
			return nil, err
		}
		orders = append(orders, found...)
	}
	slices.SortFunc(orders, shop.OrdersNewestFirst)
	return orders[:min(len(orders), q.Limit)], nil
}

// queryOrders runs one index query, newest first, for the first q.Limit
// orders after q's cursor, and the rest of the last one's millisecond: the
// index sorts by time only, so the orders of one millisecond come in no
// set order, and the page must hold all of them for the list's order by
// id (and the cursor after it) to skip none.
func (s *Store) queryOrders(ctx context.Context, in *dynamodb.QueryInput, q shop.OrderQuery) ([]shop.Order, error) {
	var found []shop.Order
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, storeErr("search orders", err)
		}
		for _, it := range out.Items {
			o, err := orderFromItem(it)
			if err != nil {
				return nil, err
			}
			if len(found) >= q.Limit && !o.CreatedAt.Equal(found[len(found)-1].CreatedAt) {
				return found, nil // an older millisecond: the page is whole
			}
			if q.IsAfterCursor(o) { // else as old as the cursor, not after it
				found = append(found, *o)
			}
		}
	}
	return found, nil
}

// orderIndexQuery queries index for the orders whose hashKey is value,
// newest first, created within q's dates: created_at has a fixed width of
// milliseconds (orderTimeLayout), so "before Until" is "at most the last
// millisecond before it".
func (s *Store) orderIndexQuery(index, hashKey, value string, q shop.OrderQuery) *dynamodb.QueryInput {
	cond := "#hash = :hash"
	names := map[string]string{"#hash": hashKey}
	values := item{":hash": str(value)}
	first := func() string {
		from := q.From.Truncate(time.Millisecond)
		if from.Before(q.From) {
			from = from.Add(time.Millisecond)
		}
		return from.UTC().Format(orderTimeLayout)
	}
	// The cursor bounds the range too: orders as old as it (the index sorts
	// by time only) are read, and those not after it skipped.
	until := q.Until
	if cursorEnd := q.BeforeAt.Add(time.Millisecond); !q.BeforeAt.IsZero() && (until.IsZero() || cursorEnd.Before(until)) {
		until = cursorEnd
	}
	last := func() string {
		return until.Add(-time.Nanosecond).Truncate(time.Millisecond).UTC().Format(orderTimeLayout)
	}
	switch {
	case !q.From.IsZero() && !until.IsZero():
		cond += " AND #created BETWEEN :first AND :last"
		values[":first"], values[":last"] = str(first()), str(last())
	case !q.From.IsZero():
		cond += " AND #created >= :first"
		values[":first"] = str(first())
	case !until.IsZero():
		cond += " AND #created <= :last"
		values[":last"] = str(last())
	}
	if len(values) > 1 {
		names["#created"] = "created_at"
	}
	return &dynamodb.QueryInput{
		TableName: aws.String(s.orders), IndexName: aws.String(index),
		KeyConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(min(q.Limit, shop.MaxOrderList))), // #nosec G115 -- at most MaxOrderList
	}
}

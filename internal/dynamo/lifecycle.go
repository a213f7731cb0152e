package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// UpdateProduct sets the fields u names with one conditional UpdateItem
// (the product exists), leaving stock to the writes that change it.
func (s *Store) UpdateProduct(ctx context.Context, id string, u shop.ProductUpdate) (*shop.Product, error) {
	names := map[string]string{"#id": "id"}
	values := item{}
	update := ""
	set := func(attr string, v types.AttributeValue) {
		if update != "" {
			update += ", "
		}
		names["#"+attr], values[":"+attr] = attr, v
		update += "#" + attr + " = :" + attr
	}
	if u.Name != nil {
		set("name", str(*u.Name))
	}
	if u.Description != nil {
		set("description", str(*u.Description))
	}
	if u.Category != nil {
		set("category", str(*u.Category))
	}
	if u.PriceCents != nil {
		set("price_cents", num(*u.PriceCents))
	}
	if u.Active != nil {
		set("active", boolean(*u.Active))
	}
	if update == "" {
		return s.Product(ctx, id)
	}
	out, err := s.updateProduct(ctx, "update product", &dynamodb.UpdateItemInput{
		TableName: aws.String(s.products), Key: productKey(id),
		UpdateExpression: aws.String("SET " + update), ConditionExpression: aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: types.ReturnValueAllNew,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil, errNotFound("product", id)
	}
	return out, err
}

// AdjustStock adds delta to the stock with one UpdateItem on condition
// that the product exists and the result is not negative and, for an
// addition, at most shop.MaxStock (a cancellation's restock may have passed
// it): DynamoDB applies it atomically against the orders' transactions. The SDK does not resend
// it (an ADD applied twice would count twice); a conflicting transaction
// in progress (not applied) is waited out.
func (s *Store) AdjustStock(ctx context.Context, id string, delta int) (*shop.Product, error) {
	condition, values := "attribute_exists(#id) AND #stock >= :least", item{":delta": num(delta), ":least": num(-delta)}
	if delta > 0 {
		condition += " AND #stock <= :most"
		values[":most"] = num(shop.MaxStock - delta)
	}
	out, err := s.updateProduct(ctx, "adjust stock", &dynamodb.UpdateItemInput{
		TableName: aws.String(s.products), Key: productKey(id),
		UpdateExpression:          aws.String("SET #stock = #stock + :delta"),
		ConditionExpression:       aws.String(condition),
		ExpressionAttributeNames:  map[string]string{"#id": "id", "#stock": "stock"},
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	}, withoutSDKRetries)
	var failed *types.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		return out, err
	}
	current, err := s.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	if delta > 0 && current.Stock+delta > shop.MaxStock {
		return nil, fmt.Errorf("dynamo: stock of %s is %d: %w", id, current.Stock, shop.ErrStockLimit)
	}
	return nil, &shop.StockError{Items: []shop.Shortage{{ProductID: id, Name: current.Name, Requested: -delta, Available: current.Stock}}}
}

// updateProduct runs an UpdateItem of a product that returns it as written;
// a failed condition is returned as it is, for the caller to name.
func (s *Store) updateProduct(ctx context.Context, op string, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*shop.Product, error) {
	var out *dynamodb.UpdateItemOutput
	err := s.retryConflicts(ctx, op, func() error {
		var err error
		out, err = s.db.UpdateItem(ctx, in, opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return productFromItem(out.Attributes)
}

// ChangeOrderStatus updates the order item on condition of its status
// (statusChangeUpdate); a cancellation is one transaction with the restock
// of every line. A change whose condition failed because this very change
// was applied already (an answer lost and the request resent) is a
// success: the item's last history entry is it.
func (s *Store) ChangeOrderStatus(ctx context.Context, id string, u shop.StatusUpdate) (*shop.Order, error) {
	update, condition, names, values := statusChangeUpdate(u)
	var err error
	if u.Change.Status == shop.OrderStatusCancelled {
		err = s.cancelOrder(ctx, id, u)
	} else {
		err = s.retryConflicts(ctx, "change order status", func() error {
			_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(s.orders), Key: orderKey(id),
				UpdateExpression: aws.String(update), ConditionExpression: aws.String(condition),
				ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			})
			return err
		})
		var failed *types.ConditionalCheckFailedException
		if errors.As(err, &failed) {
			err = errStatusCondition
		}
	}
	if errors.Is(err, errStatusCondition) {
		return s.changedAlready(ctx, id, u)
	}
	if err != nil {
		return nil, err
	}
	return s.Order(ctx, id)
}

// errStatusCondition is the failed status condition of a change, before
// changedAlready tells what it means.
var errStatusCondition = errors.New("order status condition failed")

// cancelOrder runs the cancellation: the order's status change and, per
// line, the stock put back on condition that the product exists, all or
// nothing. The SDK gives the transaction one ClientRequestToken for all
// its resends, so DynamoDB applies it once; the attempts after a
// cancellation for a conflict get new ones.
func (s *Store) cancelOrder(ctx context.Context, id string, u shop.StatusUpdate) error {
	o, err := s.Order(ctx, id)
	if err != nil {
		return err
	}
	if n := len(o.Items) + 1; n > maxTransactItems {
		return fmt.Errorf("dynamo: cancel order %s: %d lines; at most %d fit one transaction", id, len(o.Items), maxTransactItems-1)
	}
	update, condition, names, values := statusChangeUpdate(u)
	tx := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.orders), Key: orderKey(id),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String(condition),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	for _, l := range o.Items {
		tx = append(tx, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.products), Key: productKey(l.ProductID),
			UpdateExpression:          aws.String("SET #stock = #stock + :q"),
			ConditionExpression:       aws.String("attribute_exists(#id)"),
			ExpressionAttributeNames:  map[string]string{"#id": "id", "#stock": "stock"},
			ExpressionAttributeValues: item{":q": num(l.Quantity)},
		}})
	}
	for attempt := 1; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx})
		var canceled *types.TransactionCanceledException
		switch {
		case err == nil:
			return nil
		case !errors.As(err, &canceled):
			return storeErr("cancel order "+id, err)
		case reasonCode(canceled.CancellationReasons, 0) == codeConditionalCheckFailed:
			return errStatusCondition
		case !anyRetryable(canceled.CancellationReasons):
			for i := 1; i < len(tx); i++ {
				if reasonCode(canceled.CancellationReasons, i) == codeConditionalCheckFailed {
					return fmt.Errorf("dynamo: cancel order %s: product %s: %w", id, o.Items[i-1].ProductID, shop.ErrNotFound)
				}
			}
			return fmt.Errorf("dynamo: cancel order %s: transaction canceled: %v", id, err)
		case attempt >= s.txAttempts:
			return fmt.Errorf("dynamo: cancel order %s: %w: %v", id, shop.ErrConflict, err)
		}
		if err := shop.Pause(ctx, backoff(s.txBackoff, attempt)); err != nil {
			return storeErr("cancel order "+id, err)
		}
	}
}

// changedAlready answers a status change whose condition failed: the order
// as it is when its last change is this one (applied by an earlier send of
// the same request), else shop.ErrNotFound or shop.ErrInvalidTransition.
func (s *Store) changedAlready(ctx context.Context, id string, u shop.StatusUpdate) (*shop.Order, error) {
	o, err := s.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.LastChangeIs(u.Change) {
		return o, nil
	}
	return nil, fmt.Errorf("dynamo: order %s is %s, not %s: %w", id, o.Status, u.From, shop.ErrInvalidTransition)
}

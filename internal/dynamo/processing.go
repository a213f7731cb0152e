package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// The processing table (docs/processing.md) holds what order processing
// keeps besides the orders, three item kinds under one key schema (pk, sk):
//
//	message#<order id>   <event>             the message claim of one order event
//	dead_letters         <order id>#<event>  an event the processor gave up on
//	checkpoint#<stream>  <shard id>          how far the stream reader got
//
// The dead letters share one partition so staff read them with one Query;
// there are few (each is a failure someone must look at).

var _ shop.ProcessingStore = (*Store)(nil)

const deadLettersPartition = "dead_letters"

func messageKey(orderID, event string) item {
	return item{"pk": str("message#" + orderID), "sk": str(event)}
}

func deadLetterKey(orderID, event string) item {
	return item{"pk": str(deadLettersPartition), "sk": str(orderID + "#" + event)}
}

func messageFromItem(orderID string, it item) (*shop.MessageRecord, error) {
	r := reader{item: it, what: "message"}
	m := &shop.MessageRecord{OrderID: orderID, Event: r.str("sk"), MessageID: r.str("message_id"), State: r.str("state"),
		Owner: r.str("owner"), ClaimedAt: time.UnixMilli(r.int("claimed_at")).UTC()}
	if _, ok := it["sent_at"]; ok {
		m.SentAt = time.UnixMilli(r.int("sent_at")).UTC()
	}
	return m, r.err
}

// ClaimMessage is one conditional UpdateItem: the condition is
// shop.MessageRecord.ClaimableBy written as an expression, and the message
// id is set only where none is (if_not_exists), so a stored one is kept.
// When the condition fails, a consistent read says which error it is.
func (s *Store) ClaimMessage(ctx context.Context, m shop.MessageRecord, staleBefore time.Time) (*shop.MessageRecord, error) {
	var out *dynamodb.UpdateItemOutput
	err := s.retryConflicts(ctx, "claim message", func() (err error) {
		out, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.processing), Key: messageKey(m.OrderID, m.Event),
			UpdateExpression: aws.String("SET message_id = if_not_exists(message_id, :id), #state = :pending, #owner = :owner, " +
				"claimed_at = :claimed REMOVE sent_at"),
			ConditionExpression: aws.String("attribute_not_exists(pk) OR " +
				"(#state = :pending AND (#owner = :owner OR claimed_at < :stale))"),
			ExpressionAttributeNames: map[string]string{"#state": "state", "#owner": "owner"},
			ExpressionAttributeValues: item{":id": str(m.MessageID), ":pending": str(shop.MessagePending),
				":owner": str(m.Owner), ":claimed": num(m.ClaimedAt.UnixMilli()), ":stale": num(staleBefore.UnixMilli())},
			ReturnValues: types.ReturnValueAllNew,
		})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		stored, err := s.MessageRecord(ctx, m.OrderID, m.Event)
		if err != nil {
			return nil, err
		}
		if err := stored.ClaimableBy(m, staleBefore); err != nil {
			return nil, fmt.Errorf("dynamo: message %s/%s: %w", m.OrderID, m.Event, err)
		}
		// Claimable now, not when the condition was checked: another
		// claim came and went meanwhile; the caller tries again later.
		return nil, fmt.Errorf("dynamo: message %s/%s: %w", m.OrderID, m.Event, shop.ErrMessageClaimed)
	case err != nil:
		return nil, err
	}
	return messageFromItem(m.OrderID, out.Attributes)
}

// MarkMessageSent sets the record sent on condition that it exists; a sent
// record's first sent_at is kept.
func (s *Store) MarkMessageSent(ctx context.Context, orderID, event string, at time.Time) error {
	return s.updateItem(ctx, "mark message sent", &dynamodb.UpdateItemInput{
		TableName: aws.String(s.processing), Key: messageKey(orderID, event),
		UpdateExpression:          aws.String("SET #state = :sent, sent_at = if_not_exists(sent_at, :at)"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#state": "state"},
		ExpressionAttributeValues: item{":sent": str(shop.MessageSent), ":at": num(at.UnixMilli())},
	}, fmt.Errorf("dynamo: message %s/%s: %w", orderID, event, shop.ErrNotFound))
}

// MessageRecord reads the record consistently.
func (s *Store) MessageRecord(ctx context.Context, orderID, event string) (*shop.MessageRecord, error) {
	it, err := s.getItem(ctx, "message record", s.processing, messageKey(orderID, event))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, errNotFound("message", orderID+"/"+event)
	}
	return messageFromItem(orderID, it)
}

// SaveDeadLetter puts the event's dead letter, replacing any.
func (s *Store) SaveDeadLetter(ctx context.Context, d *shop.DeadLetter) error {
	it := deadLetterKey(d.OrderID, d.Event)
	it["order_id"], it["event"], it["error"] = str(d.OrderID), str(d.Event), str(d.Error)
	it["attempts"], it["at"] = num(d.Attempts), str(timeText(d.At))
	return s.putItem(ctx, "save dead letter", s.processing, it)
}

// DeadLetter reads one dead letter consistently.
func (s *Store) DeadLetter(ctx context.Context, orderID, event string) (*shop.DeadLetter, error) {
	it, err := s.getItem(ctx, "dead letter", s.processing, deadLetterKey(orderID, event))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, errNotFound("dead letter", orderID+"/"+event)
	}
	return deadLetterFromItem(it)
}

// deadLetterFromItem reads a dead letter's item.
func deadLetterFromItem(it item) (*shop.DeadLetter, error) {
	r := reader{item: it, what: "dead letter"}
	d := shop.DeadLetter{OrderID: r.str("order_id"), Event: r.str("event"), Error: r.str("error"),
		Attempts: int(r.int("attempts")), At: r.time("at")}
	return &d, r.err
}

// DeadLetters queries the dead letters' partition and sorts them oldest
// first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]shop.DeadLetter, error) {
	letters := []shop.DeadLetter{}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: aws.String(s.processing), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(deadLettersPartition)},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, storeErr("dead letters", err)
		}
		for _, it := range out.Items {
			d, err := deadLetterFromItem(it)
			if err != nil {
				return nil, err
			}
			letters = append(letters, *d)
		}
	}
	slices.SortFunc(letters, shop.DeadLettersOldestFirst)
	return letters[:min(limit, len(letters))], nil
}

// DeleteDeadLetter deletes the event's dead letter, if any.
func (s *Store) DeleteDeadLetter(ctx context.Context, orderID, event string) error {
	return s.deleteItem(ctx, "delete dead letter", s.processing, deadLetterKey(orderID, event))
}

// checkpointKey is the item of one shard's checkpoint of stream.
func checkpointKey(stream, shardID string) item {
	return item{"pk": str("checkpoint#" + stream), "sk": str(shardID)}
}

// Checkpoint returns the sequence number after which the reader of shard
// shardID of stream goes on ("": none stored, start at the shard's start).
func (s *Store) Checkpoint(ctx context.Context, stream, shardID string) (string, error) {
	it, err := s.getItem(ctx, "checkpoint", s.processing, checkpointKey(stream, shardID))
	if err != nil || it == nil {
		return "", err
	}
	r := reader{item: it, what: "checkpoint"}
	return r.str("sequence_number"), r.err
}

// SaveCheckpoint stores that the records of shard shardID of stream up to
// sequenceNumber are handled. Sequence numbers of one shard grow, so the
// write is conditional on not moving back (a slower reader of the same
// shard never undoes a faster one's progress).
func (s *Store) SaveCheckpoint(ctx context.Context, stream, shardID, sequenceNumber string) error {
	it := checkpointKey(stream, shardID)
	it["sequence_number"] = str(sequenceNumber)
	it["seq_len"] = num(len(sequenceNumber))
	err := s.retryConflicts(ctx, "save checkpoint", func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.processing), Item: it,
			// Sequence numbers are decimal strings: compare length, then text.
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR seq_len < :len OR (seq_len = :len AND sequence_number <= :seq)"),
			ExpressionAttributeValues: item{":len": num(len(sequenceNumber)), ":seq": str(sequenceNumber)},
		})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil // a later checkpoint is stored already
	}
	return err
}

package processing

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"storefront/internal/shop"
)

// HandleStreamBatch is the Lambda function's work (cmd/storefront-lambda):
// one batch of the orders stream, as the event source mapping delivers
// it, records of one shard in order. Each record is handled once
// (Handle); one that fails with a Permanent error is dead-lettered and
// passed; at the first other failure it stops and reports that record
// (ReportBatchItemFailures), so Lambda retries the batch from there, the
// records behind it included, and none before it again. After the mapping's
// MaximumRetryAttempts Lambda sends the batch's description to the
// on-failure destination. Records replayed by a retry do nothing more: the
// order's status change and each message are once-only in the store.
func (p *Processor) HandleStreamBatch(ctx context.Context, batch events.DynamoDBEvent) events.DynamoDBEventResponse {
	var res events.DynamoDBEventResponse
	for _, rec := range batch.Records {
		ev := lambdaEvent(rec)
		p.cfg.Metrics.observe(p.cfg.Now(), rec.Change.ApproximateCreationDateTime.Time)
		err := p.handleAwaitingClaims(ctx, ev)
		if err != nil && Permanent(err) {
			err = p.deadLetter(ctx, ev, err, 1)
		}
		if err != nil {
			p.cfg.Logger.WarnContext(ctx, "order event failed; Lambda retries the batch from it", "order_id", ev.OrderID,
				"status", ev.Status, "err", err)
			res.BatchItemFailures = append(res.BatchItemFailures,
				events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			return res
		}
	}
	return res
}

// lambdaEvent is the order event of a stream record: the order id and
// status of its new image, none for a record without them.
func lambdaEvent(rec events.DynamoDBEventRecord) shop.OrderEvent {
	var ev shop.OrderEvent
	if v, ok := rec.Change.NewImage["order_id"]; ok && v.DataType() == events.DataTypeString {
		ev.OrderID = v.String()
	}
	if v, ok := rec.Change.NewImage["status"]; ok && v.DataType() == events.DataTypeString {
		ev.Status = v.String()
	}
	return ev
}

// lambdaTimeMargin is the time an invocation keeps for answering Lambda:
// a wait for another processor's claim ends this long before the
// invocation's deadline, and the record is reported for a retry instead.
const lambdaTimeMargin = 5 * time.Second

// handleAwaitingClaims handles ev and, while the message it would send is
// claimed by another processor (an invocation that timed out mid-send,
// whose lease has not run out), waits for that claim within the
// invocation's time, as Run does. Reporting the record at once would spend
// Lambda's retries, which follow each other within seconds, long before the
// lease ends, and send the batch to the failure queue with its message
// never sent.
func (p *Processor) handleAwaitingClaims(ctx context.Context, ev shop.OrderEvent) error {
	var claimedSince time.Time
	for {
		err := p.Handle(ctx, ev)
		if !errors.Is(err, shop.ErrMessageClaimed) || !p.awaitClaim(ctx, ev, &claimedSince) {
			return err
		}
		pause := min(p.cfg.Backoff, p.cfg.Lease/10)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < lambdaTimeMargin+pause {
			return err
		}
		if shop.Pause(ctx, pause) != nil {
			return err
		}
	}
}

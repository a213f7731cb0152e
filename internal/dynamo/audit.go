package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// The audit log table (docs/dynamodb.md, "The audit log"): every entry in
// one partition, auditPartition, sorted by auditSortKey, so the log newest
// first is one Query read backwards, never a Scan. Staff changes are made
// by people, a handful a minute, far below one partition's 1,000 writes a
// second; the table has no local index, so the partition has no size limit.

// auditPartition is the partition key value of every audit entry.
const auditPartition = "audit"

// auditTimeLayout is UTC with exactly nine fractional digits: fixed width,
// so the sort key orders entries as their times do.
const auditTimeLayout = "2006-01-02T15:04:05.000000000Z"

// auditSortKey orders entries by time, then by id (the text after the
// fixed-width time compares as the ids do).
func auditSortKey(at time.Time, id string) string {
	return at.UTC().Format(auditTimeLayout) + "#" + id
}

func auditKey(at time.Time, id string) item {
	return item{"pk": str(auditPartition), "sk": str(auditSortKey(at, id))}
}

func auditItem(e *shop.AuditEntry) item {
	it := auditKey(e.At, e.ID)
	it["id"], it["at"], it["action"] = str(e.ID), str(timeText(e.At)), str(e.Action)
	putString(it, "actor_id", e.ActorID)
	putString(it, "target", e.Target)
	putString(it, "before", e.Before)
	putString(it, "after", e.After)
	return it
}

func auditFromItem(it item) (shop.AuditEntry, error) {
	r := reader{item: it, what: "audit"}
	e := shop.AuditEntry{ID: r.str("id"), At: r.time("at"), ActorID: r.optStr("actor_id"), Action: r.str("action"),
		Target: r.optStr("target"), Before: r.optStr("before"), After: r.optStr("after")}
	return e, r.err
}

// AppendAudit puts the entry on condition that its key is new, so no entry
// is ever overwritten; when the key exists, the entry there is this one
// resent (no error) or another (shop.ErrConflict).
func (s *Store) AppendAudit(ctx context.Context, e *shop.AuditEntry) error {
	err := s.retryConflicts(ctx, "append audit", func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.audit), Item: auditItem(e),
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": "pk"},
		})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		return err
	}
	it, err := s.getItem(ctx, "append audit", s.audit, auditKey(e.At, e.ID))
	if err != nil {
		return err
	}
	if it != nil {
		old, err := auditFromItem(it)
		if err == nil && old.At.Equal(e.At) {
			old.At = e.At
			if old == *e {
				return nil
			}
		}
	}
	return fmt.Errorf("dynamo: audit entry %s: %w", e.ID, shop.ErrConflict)
}

// AuditLog queries the partition backwards from q's cursor, page by page
// until q.Limit entries (or the log's start).
func (s *Store) AuditLog(ctx context.Context, q shop.AuditQuery) ([]shop.AuditEntry, error) {
	cond := "#pk = :pk"
	values := item{":pk": str(auditPartition)}
	names := map[string]string{"#pk": "pk"}
	if !q.BeforeAt.IsZero() {
		cond += " AND #sk < :before"
		names["#sk"] = "sk"
		values[":before"] = str(auditSortKey(q.BeforeAt, q.BeforeID))
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.audit), KeyConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ScanIndexForward: aws.Bool(false), ConsistentRead: aws.Bool(true),
	}
	entries := []shop.AuditEntry{}
	for len(entries) < q.Limit {
		in.Limit = aws.Int32(int32(q.Limit - len(entries))) // #nosec G115 -- the service bounds Limit to MaxAuditPage
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, storeErr("audit log", err)
		}
		for _, it := range out.Items {
			e, err := auditFromItem(it)
			if err != nil {
				return nil, err
			}
			entries = append(entries, e)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return entries, nil
}

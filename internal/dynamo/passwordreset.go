package dynamo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Password reset links live in the sessions table, which has what they
// need (a secret's hash as key, TTL) without a table of their own: key
// "reset#<hash>", which no session key (a bare hex hash) can equal, and no
// user_id attribute, so they stay out of the by_user index and are never
// taken for a session of the user. The link's account is reset_user_id.
const resetKeyPrefix = "reset#"

func resetKey(idHash string) item { return sessionKey(resetKeyPrefix + idHash) }

// CreatePasswordReset saves a new reset link; DynamoDB's TTL deletes it
// some time after it expires.
func (s *Store) CreatePasswordReset(ctx context.Context, r *shop.PasswordReset) error {
	it := resetKey(r.IDHash)
	it["reset_user_id"], it["password_stamp"] = str(r.UserID), str(r.PasswordStamp)
	putTime(it, "created_at", r.CreatedAt)
	putTime(it, "expires_at", r.ExpiresAt)
	it[ttlAttribute] = num(r.ExpiresAt.Unix())
	return s.putItem(ctx, "create password reset", s.sessions, it)
}

// PasswordReset returns the link with idHash (strongly consistent), or
// shop.ErrNotFound; one past its TTL that DynamoDB has not deleted yet is
// returned too, and the service checks ExpiresAt.
func (s *Store) PasswordReset(ctx context.Context, idHash string) (*shop.PasswordReset, error) {
	it, err := s.getItem(ctx, "read password reset", s.sessions, resetKey(idHash))
	if err != nil {
		return nil, err
	}
	if _, used := it[resetUsedAttribute]; it == nil || used {
		return nil, fmt.Errorf("dynamo: password reset: %w", shop.ErrNotFound)
	}
	rd := reader{item: it, what: "password reset"}
	r := &shop.PasswordReset{IDHash: idHash, UserID: rd.str("reset_user_id"), PasswordStamp: rd.str("password_stamp"),
		CreatedAt: rd.time("created_at"), ExpiresAt: rd.time("expires_at")}
	return r, rd.err
}

// ConsumePasswordReset marks the link idHash used, on condition that it
// exists and is not marked: of two concurrent uses DynamoDB lets one mark
// it, and the other's failed condition is shop.ErrNotFound. The mark is a
// random id rather than a deletion, so the SDK's resend of a use that was
// applied finds its own mark (appliedAlready) instead of a link gone,
// which would refuse the shopper's new password. A used link stays until
// its TTL and reads as not found.
func (s *Store) ConsumePasswordReset(ctx context.Context, idHash string) error {
	useID := rand.Text()
	err := s.retryConflicts(ctx, "consume password reset", func() error {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.sessions), Key: resetKey(idHash),
			UpdateExpression:                    aws.String("SET #used = :use"),
			ConditionExpression:                 aws.String("attribute_exists(id_hash) AND attribute_not_exists(#used)"),
			ExpressionAttributeNames:            map[string]string{"#used": resetUsedAttribute},
			ExpressionAttributeValues:           item{":use": str(useID)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		if appliedAlready(failed, resetUsedAttribute, useID) {
			return nil
		}
		return fmt.Errorf("dynamo: password reset: %w", shop.ErrNotFound)
	}
	return err
}

// resetUsedAttribute marks a used reset link with the id of its use.
const resetUsedAttribute = "used_by"

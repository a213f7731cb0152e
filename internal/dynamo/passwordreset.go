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
	if it == nil {
		return nil, fmt.Errorf("dynamo: password reset: %w", shop.ErrNotFound)
	}
	rd := reader{item: it, what: "password reset"}
	r := &shop.PasswordReset{IDHash: idHash, UserID: rd.str("reset_user_id"), PasswordStamp: rd.str("password_stamp"),
		CreatedAt: rd.time("created_at"), ExpiresAt: rd.time("expires_at")}
	return r, rd.err
}

// ConsumePasswordReset deletes the link idHash on condition that it
// exists: of two concurrent uses DynamoDB lets one delete it, and the
// other's failed condition is shop.ErrNotFound.
func (s *Store) ConsumePasswordReset(ctx context.Context, idHash string) error {
	err := s.retryConflicts(ctx, "consume password reset", func() error {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.sessions), Key: resetKey(idHash),
			ConditionExpression: aws.String("attribute_exists(id_hash)")})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("dynamo: password reset: %w", shop.ErrNotFound)
	}
	return err
}

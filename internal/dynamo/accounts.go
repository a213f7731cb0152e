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

// CreateUser writes the user and its email guard in one transaction, each
// on condition that it does not exist: DynamoDB itself refuses a second
// user with the same email, however many register at once. It returns
// shop.ErrEmailTaken, saving nothing, when the guard exists.
func (s *Store) CreateUser(ctx context.Context, u *shop.User) error {
	notExists := aws.String("attribute_not_exists(pk)")
	writes := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.users), Item: userItem(u), ConditionExpression: notExists}},
		{Put: &types.Put{TableName: aws.String(s.users), Item: emailGuardItem(u), ConditionExpression: notExists}},
	}
	if u.Role == shop.RoleStaff {
		writes = append(writes, s.staffRosterAdd(u.ID)) // staff.go
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		reasons := canceled.CancellationReasons
		switch {
		case reasonCode(reasons, 1) == codeConditionalCheckFailed:
			// The SDK retries a request whose answer was lost; if the
			// first attempt was applied, the guard names this very user
			// and the registration has succeeded.
			if existing, err := s.UserByEmail(ctx, u.Email); err == nil && existing.ID == u.ID {
				return nil
			}
			return shop.ErrEmailTaken
		case reasonCode(reasons, 0) == codeConditionalCheckFailed:
			return fmt.Errorf("dynamo: create user: user id %q exists", u.ID)
		case anyRetryable(reasons):
			// A concurrent registration holds one of the items: the
			// caller may retry (and then most likely gets ErrEmailTaken).
			return fmt.Errorf("dynamo: create user: %w: %v", shop.ErrConflict, err)
		}
	}
	var conflict *types.TransactionConflictException
	if errors.As(err, &conflict) {
		return fmt.Errorf("dynamo: create user: %w: %v", shop.ErrConflict, err)
	}
	return storeErr("create user", err)
}

// User returns the user with id, or shop.ErrNotFound.
func (s *Store) User(ctx context.Context, id string) (*shop.User, error) {
	it, err := s.getItem(ctx, "read user", s.users, userKey(id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, errNotFound("user", id)
	}
	return userFromItem(it)
}

// UserByEmail reads the email guard, then the user it names, both strongly
// consistent; shop.ErrNotFound when there is none.
func (s *Store) UserByEmail(ctx context.Context, email string) (*shop.User, error) {
	guard, err := s.getItem(ctx, "read user by email", s.users, emailKey(email))
	if err != nil {
		return nil, err
	}
	if guard == nil {
		return nil, fmt.Errorf("dynamo: user by email: %w", shop.ErrNotFound)
	}
	r := reader{item: guard, what: "email guard"}
	id := r.str("user_id")
	if r.err != nil {
		return nil, r.err
	}
	return s.User(ctx, id)
}

// UpdateUserName sets the name of the user id, and only it, on condition
// that the user exists (shop.ErrNotFound otherwise). Each attribute has its
// own UpdateItem, so a name change never writes back a password hash read
// before a concurrent password change, nor the other way round; the email,
// and so its guard, never changes.
func (s *Store) UpdateUserName(ctx context.Context, id, name string) error {
	return s.updateUserAttribute(ctx, "update user name", id, "name", name)
}

// UpdateUserPassword sets the password hash of the user id, and only it,
// on condition that the user exists (shop.ErrNotFound otherwise).
func (s *Store) UpdateUserPassword(ctx context.Context, id, passwordHash string) error {
	return s.updateUserAttribute(ctx, "update user password", id, "password_hash", passwordHash)
}

// UpgradeUserPassword sets the password hash of the user id on condition
// that it is still from.
func (s *Store) UpgradeUserPassword(ctx context.Context, id, from, to string) error {
	return s.updateItem(ctx, "upgrade user password", &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.users),
		Key:                       userKey(id),
		UpdateExpression:          aws.String("SET password_hash = :to"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND password_hash = :from"),
		ExpressionAttributeValues: item{":to": str(to), ":from": str(from)},
	}, errNotFound("user", id))
}

func (s *Store) updateUserAttribute(ctx context.Context, op, id, attribute, value string) error {
	return s.updateItem(ctx, op, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.users),
		Key:                       userKey(id),
		UpdateExpression:          aws.String("SET #attr = :v"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#attr": attribute},
		ExpressionAttributeValues: item{":v": str(value)},
	}, errNotFound("user", id))
}

// CreateSession saves a new session or API token.
func (s *Store) CreateSession(ctx context.Context, sess *shop.Session) error {
	return s.putItem(ctx, "create session", s.sessions, sessionItem(sess))
}

// Session returns the session with idHash (strongly consistent), or
// shop.ErrNotFound. A session past its TTL that DynamoDB has not deleted
// yet is returned too; the service checks ExpiresAt.
func (s *Store) Session(ctx context.Context, idHash string) (*shop.Session, error) {
	it, err := s.getItem(ctx, "read session", s.sessions, sessionKey(idHash))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, fmt.Errorf("dynamo: session: %w", shop.ErrNotFound)
	}
	return sessionFromItem(it)
}

// TouchSession sets LastSeenAt of a session; shop.ErrNotFound if it is gone.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	return s.updateItem(ctx, "touch session", &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.sessions),
		Key:                       sessionKey(idHash),
		UpdateExpression:          aws.String("SET last_seen_at = :at"),
		ConditionExpression:       aws.String("attribute_exists(id_hash)"),
		ExpressionAttributeValues: item{":at": str(timeText(at))},
	}, fmt.Errorf("dynamo: touch session: %w", shop.ErrNotFound))
}

// DeleteSession removes a session; removing a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.deleteItem(ctx, "delete session", s.sessions, sessionKey(idHash))
}

// DeleteUserSessions finds the user's sessions through the by_user index
// and deletes all but keepIDHash. The index is eventually consistent: a
// session created within the last moment may be missed (DynamoDB typically
// propagates in well under a second); the service calls this after a
// password change, long after the sessions it must end were created.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepIDHash string) error {
	var keys []item
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.sessions),
		IndexName:                 aws.String(indexSessionsByUser),
		KeyConditionExpression:    aws.String("user_id = :u"),
		ExpressionAttributeValues: item{":u": str(userID)},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return storeErr("find user sessions", err)
		}
		for _, it := range out.Items {
			r := reader{item: it, what: "session key"}
			if id := r.str("id_hash"); r.err == nil && id != keepIDHash {
				keys = append(keys, sessionKey(id))
			}
		}
	}
	return s.batchDelete(ctx, "delete user sessions", s.sessions, keys)
}

// batchDelete deletes keys from table in batches (batchWrite).
func (s *Store) batchDelete(ctx context.Context, op, table string, keys []item) error {
	reqs := make([]types.WriteRequest, len(keys))
	for i, k := range keys {
		reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
	}
	return s.batchWrite(ctx, op, table, reqs)
}

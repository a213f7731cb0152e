package dynamo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// staffRosterKey is the key of the users table's third item kind: the
// roster, a string set of the staff users' ids, added to in the very
// transaction that creates a staff user. Listing staff reads it and the
// users it names, so no scan of every account and no index is needed
// (staff are few; the set stays far below the item size limit).
func staffRosterKey() item { return item{"pk": str("staff#roster")} }

// staffRosterAdd is the transaction write adding userID to the roster.
func (s *Store) staffRosterAdd(userID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.users),
		Key:                       staffRosterKey(),
		UpdateExpression:          aws.String("ADD user_ids :id"),
		ExpressionAttributeValues: item{":id": &types.AttributeValueMemberSS{Value: []string{userID}}},
	}}
}

// SetUserTOTP sets the second factor secret and last accepted step of the
// user id, and only them, on condition that the user exists.
func (s *Store) SetUserTOTP(ctx context.Context, id, secret string, lastStep int64) error {
	update := "SET totp_last_step = :step, totp_secret = :secret"
	values := item{":step": num(lastStep), ":secret": str(secret)}
	if secret == "" {
		update, values = "SET totp_last_step = :step REMOVE totp_secret", item{":step": num(lastStep)}
	}
	return s.updateItem(ctx, "set user totp", &dynamodb.UpdateItemInput{
		TableName: aws.String(s.users), Key: userKey(id),
		UpdateExpression: aws.String(update), ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: values,
	}, errNotFound("user", id))
}

// UseTOTPStep records step as the user's last accepted step, on condition
// (in DynamoDB itself) that the stored one is lower; shop.ErrConflict when
// not, shop.ErrNotFound for a missing user. The use carries a random id
// (totp_use_id), so the SDK's resend of a use that was applied is no
// replay (appliedAlready): the staff member's right code is accepted.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	useID := rand.Text()
	err := s.retryConflicts(ctx, "use totp step", func() error {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.users), Key: userKey(id),
			UpdateExpression:                    aws.String("SET totp_last_step = :step, " + totpUseAttribute + " = :use"),
			ConditionExpression:                 aws.String("attribute_exists(pk) AND (attribute_not_exists(totp_last_step) OR totp_last_step < :step)"),
			ExpressionAttributeValues:           item{":step": num(step), ":use": str(useID)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		return err
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case !errors.As(err, &failed):
		return err
	case appliedAlready(failed, totpUseAttribute, useID):
		return nil
	case failed.Item == nil:
		return errNotFound("user", id)
	}
	return fmt.Errorf("dynamo: use totp step: %w", shop.ErrConflict)
}

// totpUseAttribute holds the random id of the use that set a staff
// user's totp_last_step (UseTOTPStep): see appliedAlready.
const totpUseAttribute = "totp_use_id"

// StaffUsers reads the roster, then the users it names, by email.
func (s *Store) StaffUsers(ctx context.Context) ([]shop.User, error) {
	roster, err := s.getItem(ctx, "read staff roster", s.users, staffRosterKey())
	if err != nil || roster == nil {
		return nil, err
	}
	set, ok := roster["user_ids"].(*types.AttributeValueMemberSS)
	if !ok {
		return nil, fmt.Errorf("dynamo: staff roster: user_ids is not a string set")
	}
	keys := make([]item, len(set.Value))
	for i, id := range set.Value {
		keys[i] = userKey(id)
	}
	var staff []shop.User
	err = s.batchGetAll(ctx, "read staff", s.users, keys, func(it item) error {
		u, err := userFromItem(it)
		if err == nil {
			staff = append(staff, *u)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(staff, func(a, b shop.User) int { return strings.Compare(a.Email, b.Email) })
	return staff, nil
}

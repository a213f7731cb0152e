package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"storefront/internal/shop"
)

// unavailableCodes are API error codes meaning "not now": throttling and
// service-side failures. The SDK's retryer has already retried them (with
// backoff, a bounded number of times) when storeErr sees them.
var unavailableCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"Throttling":                             true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
	"TransactionInProgressException":         true,
	"InternalServerError":                    true,
	"InternalFailure":                        true,
	"ServiceUnavailable":                     true,
	"RequestTimeout":                         true,
	"RequestTimeoutException":                true,
}

// storeErr translates an SDK error of operation op into the shop's error
// kinds. Network failures, timeouts (the request's deadline too),
// throttling and 5xx answers become shop.ErrUnavailable; a
// TransactionConflictException shop.ErrConflict; anything else (a missing table, a validation error:
// bugs or misconfiguration) stays a plain error. The SDK's text is kept in
// the message for the logs; callers only ever test the kind with
// errors.Is, and no person is shown the text.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("dynamo %s: %w", op, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("dynamo %s: %w: %w", op, shop.ErrUnavailable, err)
	case isTransactionConflict(err):
		// A transaction in progress holds the item: a concurrent write
		// won for now, which is shop.ErrConflict ("try again"), never a
		// fault of the shop.
		return fmt.Errorf("dynamo %s: %w: %v", op, shop.ErrConflict, err)
	case isUnavailable(err):
		return fmt.Errorf("dynamo %s: %w: %v", op, shop.ErrUnavailable, err)
	}
	return fmt.Errorf("dynamo %s: %v", op, err)
}

func isTransactionConflict(err error) bool {
	var conflict *types.TransactionConflictException
	return errors.As(err, &conflict)
}

// isUnavailable reports whether err means DynamoDB could not be reached or
// refused the work for now.
func isUnavailable(err error) bool {
	var (
		throughput *types.ProvisionedThroughputExceededException
		limit      *types.RequestLimitExceeded
		internal   *types.InternalServerError
		inProgress *types.TransactionInProgressException
	)
	if errors.As(err, &throughput) || errors.As(err, &limit) || errors.As(err, &internal) || errors.As(err, &inProgress) {
		return true
	}
	var serialization *smithy.SerializationError
	if errors.As(err, &serialization) {
		return false // the request could not even be built: a bug
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return unavailableCodes[api.ErrorCode()]
	}
	// No answer from DynamoDB at all: the connection failed, timed out or
	// was cut, or the retry quota ran out. The operation may or may not
	// have been applied, which is why every write is safe to repeat.
	return true
}

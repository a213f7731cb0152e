package dynamo

import (
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Cancellation reason codes of TransactWriteItems.
const (
	codeNone                   = "None"
	codeConditionalCheckFailed = "ConditionalCheckFailed"
	codeTransactionConflict    = "TransactionConflict"
)

// throttleReason reports whether a cancellation reason code means DynamoDB
// throttled the transaction, which a later attempt may overcome.
func throttleReason(code string) bool {
	switch code {
	case "ThrottlingError", "ProvisionedThroughputExceeded", "ThrottlingException", "RequestLimitExceeded":
		return true
	}
	return false
}

// reasonCode returns the code of reason i, "" when there is none.
func reasonCode(reasons []types.CancellationReason, i int) string {
	if i < 0 || i >= len(reasons) {
		return ""
	}
	return aws.ToString(reasons[i].Code)
}

// anyRetryable reports whether a cancellation was (also) caused by a
// conflict or throttling, which a retry may overcome.
func anyRetryable(reasons []types.CancellationReason) bool {
	for i := range reasons {
		if code := reasonCode(reasons, i); code == codeTransactionConflict || throttleReason(code) {
			return true
		}
	}
	return false
}

// backoff returns the delay before attempt+1: base doubled per attempt,
// capped at a second, half of it random (jitter), so
// transactions that collided do not collide again in lockstep.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 10)
	d = min(d, time.Second)
	if d <= 0 {
		return 0
	}
	// Jitter only spreads retries apart; it needs no unpredictability.
	return d/2 + rand.N(d/2+1) // #nosec G404 -- not a secret
}

package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"storefront/internal/shop"
)

func responseError(status int, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "GetItem", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err},
	}}
}

func TestStoreErr(t *testing.T) {
	dial := &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"connection refused", &smithy.OperationError{Err: dial}, true},
		{"throughput exceeded", responseError(400, &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}), true},
		{"request limit", responseError(400, &types.RequestLimitExceeded{}), true},
		{"throttling", responseError(400, &smithy.GenericAPIError{Code: "ThrottlingException"}), true},
		{"internal error", responseError(500, &types.InternalServerError{}), true},
		{"503", responseError(503, &smithy.GenericAPIError{Code: "ServiceUnavailable"}), true},
		{"timeout", fmt.Errorf("op: %w", context.DeadlineExceeded), true},
		{"missing table", responseError(400, &types.ResourceNotFoundException{}), false},
		{"validation", responseError(400, &smithy.GenericAPIError{Code: "ValidationException"}), false},
		{"canceled", fmt.Errorf("op: %w", context.Canceled), false},
		{"unserializable request", &smithy.OperationError{Err: &smithy.SerializationError{Err: errors.New("bad")}}, false},
		{"garbled answer", &smithy.OperationError{Err: &smithy.DeserializationError{Err: errors.New("not JSON")}}, true},
	}
	for _, tt := range tests {
		err := storeErr("read thing", tt.err)
		if got := errors.Is(err, shop.ErrUnavailable); got != tt.unavailable {
			t.Errorf("%s: errors.Is(storeErr(%v), ErrUnavailable) = %v; want %v", tt.name, tt.err, got, tt.unavailable)
		}
		if errors.Is(err, shop.ErrNotFound) {
			t.Errorf("%s: storeErr(%v) is ErrNotFound; a missing table is a fault, not a missing item", tt.name, tt.err)
		}
	}
	// A transaction in progress holding the item is a concurrent write
	// that won for now: ErrConflict, answered 503 "try again", never 500.
	conflict := responseError(400, &types.TransactionConflictException{Message: aws.String("held by a transaction")})
	if err := storeErr("save cart", conflict); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("storeErr(TransactionConflictException) = %v; want ErrConflict", err)
	}
	if storeErr("op", nil) != nil {
		t.Errorf("storeErr(nil) != nil")
	}
	if err := storeErr("op", context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("storeErr(context.Canceled) = %v; want it to stay context.Canceled", err)
	}
}

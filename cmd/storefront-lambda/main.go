// Command storefront-lambda is the order processor as an AWS Lambda
// function (docs/processing.md; deploy/cloudformation.json declares it):
// its event source mapping on the orders table's stream hands it batches
// of stream records, which processing.Processor.HandleStreamBatch handles,
// reporting the first record that failed (ReportBatchItemFailures). It is
// configured by the same environment variables as the shop
// (STOREFRONT_STORE=dynamodb, STOREFRONT_TABLE_PREFIX, STOREFRONT_SMTP_URL,
// ...) and set up by the same wiring, internal/app.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"storefront/internal/app"
)

func main() {
	handler, err := newHandler(context.Background(), os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "storefront-lambda: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// newHandler opens the app once per execution environment (Lambda reuses
// it across invocations) and returns the function's handler.
func newHandler(ctx context.Context, getenv func(string) string) (func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error), error) {
	a, err := app.Open(ctx, getenv, os.Stderr)
	if err != nil {
		return nil, err
	}
	p, err := a.NewProcessor(a.Metrics.Registry)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, batch events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return p.HandleStreamBatch(ctx, batch), nil
	}, nil
}

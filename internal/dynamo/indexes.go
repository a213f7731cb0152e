package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// addMissingIndexes creates, one at a time (DynamoDB takes one index
// creation per UpdateTable), every index of spec that the existing table
// described lacks, such as the orders table's by_status_created on a table
// made before the staff's order list, and waits until each is ACTIVE
// (DynamoDB fills it from the table meanwhile). It returns the table as
// described last, for checkTable. Production tables get their indexes from
// deploy/cloudformation.json; this keeps a development or test server made
// by an older version usable.
func addMissingIndexes(ctx context.Context, db *dynamodb.Client, name string, spec tableSpec, table *types.TableDescription) (*types.TableDescription, error) {
	for _, ix := range spec.Indexes {
		if hasIndex(table, ix.Name) {
			continue
		}
		in := &dynamodb.UpdateTableInput{TableName: aws.String(name),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: aws.String(ix.Name), KeySchema: keySchema(ix.HashKey, ix.RangeKey),
				Projection: &types.Projection{ProjectionType: ix.Projection},
			}}}}
		for _, attr := range []string{ix.HashKey, ix.RangeKey} {
			if attr != "" {
				in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
					AttributeName: aws.String(attr), AttributeType: types.ScalarAttributeType(spec.Attributes[attr])})
			}
		}
		if _, err := db.UpdateTable(ctx, in); err != nil {
			return nil, storeErr("add index "+ix.Name+" to "+name, err)
		}
		var err error
		if table, err = waitIndexActive(ctx, db, name, ix.Name); err != nil {
			return nil, err
		}
	}
	return table, nil
}

func hasIndex(table *types.TableDescription, index string) bool {
	for _, ix := range table.GlobalSecondaryIndexes {
		if aws.ToString(ix.IndexName) == index {
			return true
		}
	}
	return false
}

// waitIndexActive polls the table until its index is ACTIVE, for at most
// tableWait.
func waitIndexActive(ctx context.Context, db *dynamodb.Client, name, index string) (*types.TableDescription, error) {
	deadline := time.Now().Add(tableWait)
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return nil, storeErr("describe table "+name, err)
		}
		for _, ix := range out.Table.GlobalSecondaryIndexes {
			if aws.ToString(ix.IndexName) == index && ix.IndexStatus == types.IndexStatusActive {
				return out.Table, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dynamo: index %s of %s not ACTIVE within %v", index, name, tableWait)
		}
		select {
		case <-ctx.Done():
			return nil, storeErr("wait for index "+index+" of "+name, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

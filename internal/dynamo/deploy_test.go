package dynamo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The production template, deploy/cloudformation.json, must declare
// exactly the tables New creates: same names, keys, attribute types,
// indexes, TTL and point-in-time recovery, and on-demand capacity.

type cfnTemplate struct {
	Parameters map[string]struct {
		Type    string
		Default string
	}
	Resources map[string]struct {
		Type       string
		Properties json.RawMessage
	}
}

type cfnKey struct{ AttributeName, KeyType string }

type cfnTable struct {
	TableName              map[string]string
	BillingMode            string
	AttributeDefinitions   []struct{ AttributeName, AttributeType string }
	KeySchema              []cfnKey
	GlobalSecondaryIndexes []struct {
		IndexName  string
		KeySchema  []cfnKey
		Projection struct{ ProjectionType string }
	}
	TimeToLiveSpecification *struct {
		AttributeName string
		Enabled       bool
	}
	PointInTimeRecoverySpecification *struct{ PointInTimeRecoveryEnabled bool }
}

func TestCloudFormationMatchesNew(t *testing.T) {
	path := filepath.Join("..", "..", "deploy", "cloudformation.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the template: %v", err)
	}
	var tmpl cfnTemplate
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	if p, ok := tmpl.Parameters["TablePrefix"]; !ok || p.Type != "String" || p.Default != "storefront-" {
		t.Errorf("parameter TablePrefix = %+v; want a String defaulting to storefront- (as STOREFRONT_TABLE_PREFIX)", p)
	}

	tables := map[string]cfnTable{} // by name suffix
	for logical, r := range tmpl.Resources {
		if r.Type != "AWS::DynamoDB::Table" {
			continue
		}
		var tb cfnTable
		if err := json.Unmarshal(r.Properties, &tb); err != nil {
			t.Fatalf("resource %s: %v", logical, err)
		}
		suffix, ok := strings.CutPrefix(tb.TableName["Fn::Sub"], "${TablePrefix}")
		if !ok || len(tb.TableName) != 1 {
			t.Errorf("resource %s: TableName = %v; want {\"Fn::Sub\": \"${TablePrefix}<name>\"}", logical, tb.TableName)
			continue
		}
		tables[suffix] = tb
	}

	const prefix = "P-"
	for _, spec := range tableSpecs {
		tb, ok := tables[spec.Suffix]
		if !ok {
			t.Errorf("template lacks table ${TablePrefix}%s", spec.Suffix)
			continue
		}
		delete(tables, spec.Suffix)
		in := createTableInput(prefix, spec) // exactly what New sends
		name := spec.Suffix
		if tb.BillingMode != string(in.BillingMode) {
			t.Errorf("%s: BillingMode = %q; want %q", name, tb.BillingMode, in.BillingMode)
		}
		var gotAttrs, wantAttrs []string
		for _, a := range tb.AttributeDefinitions {
			gotAttrs = append(gotAttrs, a.AttributeName+":"+a.AttributeType)
		}
		for _, a := range in.AttributeDefinitions {
			wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
		}
		slices.Sort(gotAttrs)
		slices.Sort(wantAttrs)
		if !slices.Equal(gotAttrs, wantAttrs) {
			t.Errorf("%s: AttributeDefinitions = %v; want %v", name, gotAttrs, wantAttrs)
		}
		if got, want := tb.KeySchema, sdkKeys(in.KeySchema); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: KeySchema = %v; want %v", name, got, want)
		}
		gotIndexes := map[string]string{}
		for _, ix := range tb.GlobalSecondaryIndexes {
			gotIndexes[ix.IndexName] = describeIndex(ix.KeySchema, ix.Projection.ProjectionType)
		}
		wantIndexes := map[string]string{}
		for _, ix := range in.GlobalSecondaryIndexes {
			wantIndexes[aws.ToString(ix.IndexName)] = describeIndex(sdkKeys(ix.KeySchema), string(ix.Projection.ProjectionType))
		}
		if !reflect.DeepEqual(gotIndexes, wantIndexes) {
			t.Errorf("%s: GlobalSecondaryIndexes = %v; want %v", name, gotIndexes, wantIndexes)
		}
		gotTTL := ""
		if s := tb.TimeToLiveSpecification; s != nil && s.Enabled {
			gotTTL = s.AttributeName
		}
		if gotTTL != spec.TTLAttribute {
			t.Errorf("%s: TTL attribute = %q; want %q", name, gotTTL, spec.TTLAttribute)
		}
		gotPITR := tb.PointInTimeRecoverySpecification != nil && tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled
		if gotPITR != spec.PITR {
			t.Errorf("%s: point-in-time recovery = %v; want %v", name, gotPITR, spec.PITR)
		}
	}
	for suffix := range tables {
		t.Errorf("template declares table ${TablePrefix}%s, which New does not create", suffix)
	}
}

func sdkKeys(ks []types.KeySchemaElement) []cfnKey {
	out := make([]cfnKey, len(ks))
	for i, k := range ks {
		out[i] = cfnKey{AttributeName: aws.ToString(k.AttributeName), KeyType: string(k.KeyType)}
	}
	return out
}

func describeIndex(ks []cfnKey, projection string) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, k.AttributeName+" "+k.KeyType)
	}
	return strings.Join(parts, ", ") + " projecting " + projection
}

package dynamo

import (
	"encoding/json"
	"maps"
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
		Type                string
		DeletionPolicy      string
		UpdateReplacePolicy string
		Properties          json.RawMessage
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
	StreamSpecification              *struct{ StreamViewType string }
	DeletionProtectionEnabled        bool
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
		suffix := strings.TrimPrefix(tb.TableName["Fn::Sub"], "${TablePrefix}")
		durable := slices.ContainsFunc(tableSpecs, func(s tableSpec) bool { return s.Suffix == suffix && s.Durable })
		// A durable table survives the stack: deleting the stack, or a
		// change that replaces the table, keeps it; and it cannot be
		// deleted by mistake.
		if retained := r.DeletionPolicy == "Retain" && r.UpdateReplacePolicy == "Retain"; retained != durable {
			t.Errorf("resource %s: DeletionPolicy %q, UpdateReplacePolicy %q; want both Retain exactly for the tables holding users, stock and orders",
				logical, r.DeletionPolicy, r.UpdateReplacePolicy)
		}
		if tb.DeletionProtectionEnabled != durable {
			t.Errorf("resource %s: DeletionProtectionEnabled = %v; want %v", logical, tb.DeletionProtectionEnabled, durable)
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
		if gotPITR != spec.Durable {
			t.Errorf("%s: point-in-time recovery = %v; want %v", name, gotPITR, spec.Durable)
		}
		gotStream, wantStream := "", ""
		if tb.StreamSpecification != nil {
			gotStream = tb.StreamSpecification.StreamViewType
		}
		if in.StreamSpecification != nil && aws.ToBool(in.StreamSpecification.StreamEnabled) {
			wantStream = string(in.StreamSpecification.StreamViewType)
		}
		if gotStream != wantStream {
			t.Errorf("%s: stream = %q; want %q", name, gotStream, wantStream)
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

// TestTableSpecsProtectWhatMatters: what the issue asks of the tables,
// checked on tableSpecs (and through TestCloudFormationMatchesNew on the
// template): the orders table streams new images to order processing;
// users, stock (products) and orders are durable; everything that expires
// has a TTL attribute.
func TestTableSpecsProtectWhatMatters(t *testing.T) {
	specs := map[string]tableSpec{}
	for _, s := range tableSpecs {
		specs[s.Suffix] = s
	}
	in := createTableInput("P-", specs[tableOrders])
	if ss := in.StreamSpecification; ss == nil || !aws.ToBool(ss.StreamEnabled) || ss.StreamViewType != types.StreamViewTypeNewImage {
		t.Errorf("orders table stream = %+v; want enabled, NEW_IMAGE", ss)
	}
	for _, name := range []string{tableOrders, tableUsers, tableProducts} {
		if !specs[name].Durable {
			t.Errorf("table %s is not durable; want point-in-time recovery, deletion protection and Retain", name)
		}
	}
	for _, name := range []string{tableSessions, tableCarts, tableThrottles} {
		if specs[name].TTLAttribute != ttlAttribute {
			t.Errorf("table %s TTL attribute = %q; want %q (its items expire)", name, specs[name].TTLAttribute, ttlAttribute)
		}
	}
}

// TestWebTierPolicyIsLeastPrivilege reads the template's managed policy:
// only item-level actions on the storefront's tables, Query only on the two
// indexes, and Scan only on the two catalog tables, which each server's
// catalog read model loads whole at start (docs/dynamodb.md); the stream
// actions on the orders stream (the inline processor) and the products
// and categories streams (the catalog feed) only. No statement grants Scan
// on a table of users, orders, sessions, carts or throttles, nor any
// wildcard action or resource.
func TestWebTierPolicyIsLeastPrivilege(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "cloudformation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				PolicyDocument struct {
					Statement []struct {
						Effect   string
						Action   []string
						Resource []any
					}
				}
			}
		}
	}
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	granted := map[string][]string{} // action -> resources, each as the template writes it
	policies := 0
	for _, r := range tmpl.Resources {
		if r.Type != "AWS::IAM::ManagedPolicy" {
			continue
		}
		policies++
		for _, st := range r.Properties.PolicyDocument.Statement {
			if st.Effect != "Allow" {
				continue
			}
			for _, a := range st.Action {
				for _, res := range st.Resource {
					b, _ := json.Marshal(res)
					granted[a] = append(granted[a], string(b))
				}
			}
		}
	}
	if policies != 1 {
		t.Fatalf("template declares %d managed policies; want 1 (the web tier's)", policies)
	}
	// The photos' bucket (docs/dynamodb.md): its objects read and written
	// by key, and its existence checked at start (HeadBucket needs
	// s3:ListBucket); nothing else of S3, nowhere else.
	photoGrants := map[string]string{
		"s3:GetObject":  `{"Fn::Sub":"${ImagesBucket.Arn}/*"}`,
		"s3:PutObject":  `{"Fn::Sub":"${ImagesBucket.Arn}/*"}`,
		"s3:ListBucket": `{"Fn::GetAtt":["ImagesBucket","Arn"]}`,
	}
	for action, want := range photoGrants {
		if !slices.Equal(granted[action], []string{want}) {
			t.Errorf("policy grants %s on %v; want it on %s only", action, granted[action], want)
		}
		delete(granted, action)
	}
	for action, resources := range granted {
		if strings.Contains(action, "*") || !strings.HasPrefix(action, "dynamodb:") {
			t.Errorf("policy grants %q; want named DynamoDB actions only", action)
		}
		for _, res := range resources {
			if strings.Contains(res, `"*"`) || strings.Contains(res, `:*"`) {
				t.Errorf("policy grants %s on %s; want named tables", action, res)
			}
		}
	}
	scanned := map[string]bool{}
	for _, res := range granted["dynamodb:Scan"] {
		scanned[res] = true
	}
	want := map[string]bool{`{"Fn::GetAtt":["ProductsTable","Arn"]}`: true, `{"Fn::GetAtt":["CategoriesTable","Arn"]}`: true}
	if !reflect.DeepEqual(scanned, want) {
		t.Errorf("Scan granted on %v; want only the products and categories tables", slices.Sorted(maps.Keys(scanned)))
	}
	streams := []string{`{"Fn::GetAtt":["OrdersTable","StreamArn"]}`, `{"Fn::GetAtt":["ProductsTable","StreamArn"]}`,
		`{"Fn::GetAtt":["CategoriesTable","StreamArn"]}`}
	for _, action := range []string{"dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords"} {
		if got := slices.Sorted(slices.Values(granted[action])); !slices.Equal(got, slices.Sorted(slices.Values(streams))) {
			t.Errorf("policy grants %s on %v; want it on the orders, products and categories streams only", action, got)
		}
	}
	if len(granted["dynamodb:ListStreams"]) > 0 {
		t.Errorf("policy grants ListStreams; want none (the store finds a stream by DescribeTable)")
	}
	const auditTable = `{"Fn::GetAtt":["AuditTable","Arn"]}`
	const processingTable = `{"Fn::GetAtt":["ProcessingTable","Arn"]}` // its dead letters' partition
	for _, res := range granted["dynamodb:Query"] {
		if !strings.Contains(res, "/index/") && res != auditTable && res != processingTable {
			t.Errorf("Query granted on %s; want only the indexes the store queries, the audit log and the processing table", res)
		}
	}
	// The audit log is append-only for the web tier too: nothing that
	// could change or remove an entry is granted on it.
	for _, action := range []string{"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} {
		if slices.Contains(granted[action], auditTable) {
			t.Errorf("policy grants %s on the audit log; want it append-only (PutItem on condition)", action)
		}
	}
	if !slices.Contains(granted["dynamodb:PutItem"], auditTable) || !slices.Contains(granted["dynamodb:Query"], auditTable) {
		t.Errorf("policy lacks PutItem or Query on the audit log, which the store uses")
	}
	for _, action := range []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:ConditionCheckItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"} {
		if len(granted[action]) == 0 {
			t.Errorf("policy lacks %s, which the store uses", action)
		}
	}
}

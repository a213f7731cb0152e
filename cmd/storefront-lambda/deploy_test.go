package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cfnResource is a resource of the template, its properties as decoded.
type cfnResource struct {
	Type       string
	Properties map[string]any
}

// readTemplate decodes the resources of deploy/cloudformation.json.
func readTemplate(t *testing.T) (tmpl struct{ Resources map[string]cfnResource }) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "deploy", "cloudformation.json"))
	if err == nil {
		defer f.Close()
		err = json.NewDecoder(f).Decode(&tmpl)
	}
	if err != nil {
		t.Fatalf("deploy/cloudformation.json: %v", err)
	}
	return tmpl
}

// TestTemplateDeploysTheProcessor: deploy/cloudformation.json runs this
// function on the orders stream the way processing relies on (records of
// a shard in order, the first failed record reported, retries bounded,
// bisected, then the on-failure queue), with a role that grants named
// actions on named resources only, no Scan and no other table's items.
func TestTemplateDeploysTheProcessor(t *testing.T) {
	tmpl := readTemplate(t)
	mapping := tmpl.Resources["ProcessorEventSourceMapping"].Properties
	text := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for key, want := range map[string]string{
		"EventSourceArn":             `{"Fn::GetAtt":["OrdersTable","StreamArn"]}`,
		"FunctionName":               `{"Ref":"ProcessorFunction"}`,
		"StartingPosition":           `"TRIM_HORIZON"`,
		"ParallelizationFactor":      `1`,
		"BisectBatchOnFunctionError": `true`,
		"MaximumRetryAttempts":       `5`,
		"FunctionResponseTypes":      `["ReportBatchItemFailures"]`,
		"DestinationConfig":          `{"OnFailure":{"Destination":{"Fn::GetAtt":["ProcessorFailureQueue","Arn"]}}}`,
	} {
		if got := text(mapping[key]); got != want {
			t.Errorf("ProcessorEventSourceMapping %s = %s; want %s", key, got, want)
		}
	}
	if n, ok := mapping["BatchSize"].(float64); !ok || n < 1 || n > 100 {
		t.Errorf("ProcessorEventSourceMapping BatchSize = %v; want 1 to 100", mapping["BatchSize"])
	}
	env := text(tmpl.Resources["ProcessorFunction"].Properties["Environment"])
	for _, want := range []string{`"STOREFRONT_STORE":"dynamodb"`, `"STOREFRONT_PROCESSOR":"off"`, `"STOREFRONT_TABLE_PREFIX":{"Ref":"TablePrefix"}`} {
		if !strings.Contains(env, want) {
			t.Errorf("ProcessorFunction environment %s lacks %s", env, want)
		}
	}

	role := tmpl.Resources["ProcessorRole"]
	if role.Type != "AWS::IAM::Role" {
		t.Fatalf("ProcessorRole is %q; want an AWS::IAM::Role", role.Type)
	}
	var policies []struct {
		PolicyDocument struct {
			Statement []struct {
				Effect   string
				Action   []string
				Resource []any
			}
		}
	}
	b, _ := json.Marshal(role.Properties["Policies"])
	if err := json.Unmarshal(b, &policies); err != nil || len(policies) != 1 {
		t.Fatalf("ProcessorRole policies = %s (%v); want one inline policy", b, err)
	}
	itemActions := map[string]bool{}
	for _, st := range policies[0].PolicyDocument.Statement {
		for _, action := range st.Action {
			if strings.Contains(action, "*") || strings.HasSuffix(action, "Scan") || st.Effect != "Allow" {
				t.Errorf("ProcessorRole grants %s %s; want named actions, no Scan", st.Effect, action)
			}
			for _, res := range st.Resource {
				r := text(res)
				if r == `"*"` {
					t.Errorf("ProcessorRole grants %s on *; want named resources", action)
				}
				if slices.Contains([]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, action) {
					itemActions[action+" "+r] = true
				}
			}
		}
	}
	for grant := range itemActions {
		if !strings.Contains(grant, "OrdersTable") && !strings.Contains(grant, "ProcessingTable") {
			t.Errorf("ProcessorRole grants %s; want item access to the orders and processing tables only", grant)
		}
		if strings.Contains(grant, "OrdersTable") && (strings.Contains(grant, "PutItem") || strings.Contains(grant, "DeleteItem")) {
			t.Errorf("ProcessorRole grants %s; an order is only read and its status changed", grant)
		}
	}
}

// Package deploy holds the AWS templates (cloudformation.json: the tables,
// the photo bucket and the web tier's policy; web.json: the web tier and its
// alarms) and the tests of what they promise beyond cfn-lint's checks of
// their syntax (docs/operations.md deploys them).
package deploy

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"storefront/internal/app"
)

// template is a CloudFormation template read loosely: the properties stay
// generic, and the tests compare fragments as compact JSON.
type template struct {
	Parameters map[string]any
	Conditions map[string]any
	Resources  map[string]struct {
		Type       string
		Condition  string
		DependsOn  []string
		Properties map[string]any
	}
	Outputs map[string]any
}

func readTemplate(t *testing.T, name string) template {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl template
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tmpl
}

// js is v as compact JSON, for comparing template fragments.
func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// props returns the properties of resource name of type typ.
func props(t *testing.T, tmpl template, name, typ string) map[string]any {
	t.Helper()
	r, ok := tmpl.Resources[name]
	if !ok || r.Type != typ {
		t.Fatalf("web.json lacks %s of type %s", name, typ)
	}
	return r.Properties
}

var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// TestWebTemplateReferencesResolve: every Ref, Fn::GetAtt, ${...} of
// Fn::Sub, condition and DependsOn names a parameter, resource, condition
// or pseudo parameter of the template, so each alarm watches, and each
// setting reaches, something the stack really has.
func TestWebTemplateReferencesResolve(t *testing.T) {
	tmpl := readTemplate(t, "web.json")
	known := map[string]bool{"AWS::AccountId": true, "AWS::Partition": true, "AWS::Region": true,
		"AWS::StackName": true, "AWS::URLSuffix": true, "AWS::NoValue": true}
	for name := range tmpl.Parameters {
		known[name] = true
	}
	for name := range tmpl.Resources {
		known[name] = true
	}
	check := func(where, name string) {
		if !known[name] {
			t.Errorf("%s refers to %q, which the template does not declare", where, name)
		}
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, inner := range v {
				switch k {
				case "Ref":
					check(where, inner.(string))
				case "Fn::GetAtt":
					check(where, inner.([]any)[0].(string))
				case "Fn::Sub":
					for _, m := range subVariable.FindAllStringSubmatch(inner.(string), -1) {
						check(where, strings.SplitN(m[1], ".", 2)[0])
					}
				case "Fn::If":
					if _, ok := tmpl.Conditions[inner.([]any)[0].(string)]; !ok {
						t.Errorf("%s uses undeclared condition %v", where, inner.([]any)[0])
					}
				}
				walk(where, inner)
			}
		case []any:
			for _, inner := range v {
				walk(where, inner)
			}
		}
	}
	for name, r := range tmpl.Resources {
		walk(name, r.Properties)
		if _, ok := tmpl.Conditions[r.Condition]; r.Condition != "" && !ok {
			t.Errorf("%s has undeclared condition %q", name, r.Condition)
		}
		for _, d := range r.DependsOn {
			check(name, d)
		}
	}
	for name, o := range tmpl.Outputs {
		walk("output "+name, o)
	}
	walk("conditions", tmpl.Conditions)
	if len(known) < 20 {
		t.Fatalf("read only %d names; the template did not parse as expected", len(known))
	}
}

// TestWebTierBehindTheLoadBalancer: HTTPS with the certificate parameter,
// HTTP only redirected to it, and the targets (port 8000, the image's)
// healthy only while /readyz answers 200, so a task that lost its store
// leaves the rotation and a draining one stops taking requests.
func TestWebTierBehindTheLoadBalancer(t *testing.T) {
	tmpl := readTemplate(t, "web.json")
	tg := props(t, tmpl, "TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup")
	if tg["HealthCheckPath"] != "/readyz" || js(tg["Matcher"]) != `{"HttpCode":"200"}` || tg["Port"] != 8000.0 || tg["TargetType"] != "ip" {
		t.Errorf("target group = %s; want health checks on /readyz expecting 200, port 8000, ip targets", js(tg))
	}
	https := props(t, tmpl, "HttpsListener", "AWS::ElasticLoadBalancingV2::Listener")
	if https["Protocol"] != "HTTPS" || js(https["Certificates"]) != `[{"CertificateArn":{"Ref":"CertificateArn"}}]` ||
		js(https["DefaultActions"]) != `[{"TargetGroupArn":{"Ref":"TargetGroup"},"Type":"forward"}]` {
		t.Errorf("HTTPS listener = %s; want the CertificateArn parameter, forwarding to the target group", js(https))
	}
	http := props(t, tmpl, "HttpListener", "AWS::ElasticLoadBalancingV2::Listener")
	actions, _ := http["DefaultActions"].([]any)
	if len(actions) != 1 || !strings.Contains(js(actions[0]), `"Protocol":"HTTPS"`) || actions[0].(map[string]any)["Type"] != "redirect" {
		t.Errorf("HTTP listener actions = %s; want one redirect to HTTPS", js(actions))
	}
	service := props(t, tmpl, "Service", "AWS::ECS::Service")
	if js(service["LoadBalancers"]) != `[{"ContainerName":"web","ContainerPort":8000,"TargetGroupArn":{"Ref":"TargetGroup"}}]` {
		t.Errorf("service load balancers = %s; want container web, port 8000, the target group", js(service["LoadBalancers"]))
	}
	if !strings.Contains(js(service["DeploymentConfiguration"]), `"DeploymentCircuitBreaker":{"Enable":true,"Rollback":true}`) {
		t.Errorf("service deployment = %s; want the circuit breaker rolling back a failed deployment", js(service["DeploymentConfiguration"]))
	}
	// STOREFRONT_TRUST_PROXY is safe only when the load balancer is the
	// only way in.
	sg := props(t, tmpl, "TaskSecurityGroup", "AWS::EC2::SecurityGroup")
	if js(sg["SecurityGroupIngress"]) != `[{"Description":"the load balancer","FromPort":8000,"IpProtocol":"tcp","SourceSecurityGroupId":{"Ref":"LoadBalancerSecurityGroup"},"ToPort":8000}]` {
		t.Errorf("task ingress = %s; want port 8000 from the load balancer's group only", js(sg["SecurityGroupIngress"]))
	}
	scaling := props(t, tmpl, "ScalableTarget", "AWS::ApplicationAutoScaling::ScalableTarget")
	if js(scaling["ResourceId"]) != `{"Fn::Sub":"service/${Cluster}/${Service.Name}"}` {
		t.Errorf("autoscaling target = %s; want the service", js(scaling["ResourceId"]))
	}
}

// TestWebTierTaskRunsTheImage: the image parameter, run as the image's
// non-root user on a read-only root, on DynamoDB with the table prefix
// parameter, trusting the load balancer's forwarded headers.
func TestWebTierTaskRunsTheImage(t *testing.T) {
	tmpl := readTemplate(t, "web.json")
	task := props(t, tmpl, "TaskDefinition", "AWS::ECS::TaskDefinition")
	containers, _ := task["ContainerDefinitions"].([]any)
	if len(containers) != 1 {
		t.Fatalf("%d containers; want the shop alone", len(containers))
	}
	c := containers[0].(map[string]any)
	if js(c["Image"]) != `{"Ref":"ImageUri"}` || c["User"] != "65532:65532" || c["ReadonlyRootFilesystem"] != true {
		t.Errorf("container image %s, user %v, read-only root %v; want the ImageUri parameter, 65532:65532 (the image's non-root user), true",
			js(c["Image"]), c["User"], c["ReadonlyRootFilesystem"])
	}
	env := map[string]string{}
	for _, e := range c["Environment"].([]any) {
		e := e.(map[string]any)
		env[e["Name"].(string)] = js(e["Value"])
	}
	for name, want := range map[string]string{
		"STOREFRONT_STORE":        `"dynamodb"`,
		"STOREFRONT_TRUST_PROXY":  `"true"`,
		"STOREFRONT_TABLE_PREFIX": `{"Ref":"TablePrefix"}`,
		"STOREFRONT_MEMORY_LIMIT": `{"Ref":"MemoryLimit"}`, // the 200MiB default is for a 2-core host, not a 1 GiB task
		"HOST":                    `"0.0.0.0"`,
		"PORT":                    `"8000"`,
	} {
		if env[name] != want {
			t.Errorf("container %s = %s; want %s", name, env[name], want)
		}
	}
	// Every variable given is one the program reads (a renamed variable
	// would otherwise be silently ignored), or the AWS SDK's own.
	read := map[string]bool{}
	for _, v := range app.EnvVars {
		read[v.Name] = true
	}
	given := slices.Collect(maps.Keys(env))
	secrets, _ := c["Secrets"].(map[string]any)["Fn::If"].([]any)
	for _, s := range secrets[1].([]any) {
		given = append(given, s.(map[string]any)["Name"].(string))
	}
	for _, name := range given {
		if !read[name] && !strings.HasPrefix(name, "AWS_") {
			t.Errorf("container variable %s is not among app.EnvVars; the shop would ignore it", name)
		}
	}
	if js(task["TaskRoleArn"]) != `{"Fn::GetAtt":["TaskRole","Arn"]}` || js(task["ExecutionRoleArn"]) != `{"Fn::GetAtt":["ExecutionRole","Arn"]}` {
		t.Errorf("task roles %s, %s; want TaskRole and ExecutionRole", js(task["TaskRoleArn"]), js(task["ExecutionRoleArn"]))
	}
}

// TestWebTierRolesAreLeastPrivilege: the shop's own role has the tables'
// stack's web tier policy and nothing else; the role ECS starts tasks with
// pulls from one repository and writes one log group ("*" only for the
// ECR sign-in, which has no resource).
func TestWebTierRolesAreLeastPrivilege(t *testing.T) {
	tmpl := readTemplate(t, "web.json")
	task := props(t, tmpl, "TaskRole", "AWS::IAM::Role")
	if js(task["ManagedPolicyArns"]) != `[{"Ref":"WebTierPolicyArn"}]` || task["Policies"] != nil {
		t.Errorf("task role policies %s, inline %s; want the WebTierPolicyArn parameter alone", js(task["ManagedPolicyArns"]), js(task["Policies"]))
	}
	if tables := readTemplate(t, "cloudformation.json"); tables.Outputs["StorefrontTablesPolicyArn"] == nil {
		t.Errorf("cloudformation.json lacks the output StorefrontTablesPolicyArn, which WebTierPolicyArn takes")
	}
	exec := props(t, tmpl, "ExecutionRole", "AWS::IAM::Role")
	if exec["ManagedPolicyArns"] != nil {
		t.Errorf("execution role has managed policies %s; want its inline policy alone", js(exec["ManagedPolicyArns"]))
	}
	statements := 0
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["Effect"]; ok {
				statements++
				if strings.Contains(js(v["Resource"]), `"*"`) && js(v["Action"]) != `["ecr:GetAuthorizationToken"]` {
					t.Errorf("execution role grants %s on every resource", js(v["Action"]))
				}
				if strings.Contains(js(v["Action"]), "*") {
					t.Errorf("execution role grants wildcard actions %s", js(v["Action"]))
				}
			}
			for _, inner := range v {
				walk(inner)
			}
		case []any:
			for _, inner := range v {
				walk(inner)
			}
		}
	}
	walk(exec["Policies"])
	if statements < 3 {
		t.Errorf("execution role has %d statements; want ECR sign-in, image pull and log writes", statements)
	}
}

// TestWebTierAlarms: each alarm the runbook explains exists, notifies the
// alarms' topic, and watches what it names: the load balancer and target
// group of the stack, every table of cloudformation.json, the processor's
// function, and the dead letters counted from the log line the processor
// writes.
func TestWebTierAlarms(t *testing.T) {
	tmpl := readTemplate(t, "web.json")
	alarms := map[string]string{} // resource -> its properties as JSON
	for name, r := range tmpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		p := js(r.Properties)
		alarms[name] = p
		if js(r.Properties["AlarmActions"]) != `[{"Ref":"AlarmTopic"}]` || js(r.Properties["OKActions"]) != `[{"Ref":"AlarmTopic"}]` {
			t.Errorf("%s notifies %s and %s; want the AlarmTopic", name, js(r.Properties["AlarmActions"]), js(r.Properties["OKActions"]))
		}
		if !strings.Contains(p, "docs/operations.md") {
			t.Errorf("%s's description does not point to its section of docs/operations.md", name)
		}
	}
	props(t, tmpl, "AlarmTopic", "AWS::SNS::Topic")
	const lb, tg = `{"Name":"LoadBalancer","Value":{"Fn::GetAtt":["LoadBalancer","LoadBalancerFullName"]}}`,
		`{"Name":"TargetGroup","Value":{"Fn::GetAtt":["TargetGroup","TargetGroupFullName"]}}`
	want := map[string][]string{
		"Http5xxRateAlarm":          {`"HTTPCode_Target_5XX_Count"`, `"HTTPCode_ELB_5XX_Count"`, `"RequestCount"`, lb},
		"LatencyP99Alarm":           {`"TargetResponseTime"`, `"ExtendedStatistic":"p99"`, lb, tg},
		"NoHealthyTaskAlarm":        {`"HealthyHostCount"`, lb, tg},
		"ProcessorIteratorAgeAlarm": {`"IteratorAge"`, `{"Name":"FunctionName","Value":{"Ref":"ProcessorFunctionName"}}`},
		"DeadLettersAlarm":          {`"OrderEventsDeadLettered"`},
	}
	// Every table of the tables' stack, in both throttle alarms; its
	// processor's failure queue, by the name the stack gives it.
	tables := readTemplate(t, "cloudformation.json")
	for _, r := range tables.Resources {
		switch r.Type {
		case "AWS::DynamoDB::Table":
			dim := `{"Name":"TableName","Value":` + js(r.Properties["TableName"]) + `}`
			want["DynamoDBReadThrottlesAlarm"] = append(want["DynamoDBReadThrottlesAlarm"], `"ReadThrottleEvents"`, dim)
			want["DynamoDBWriteThrottlesAlarm"] = append(want["DynamoDBWriteThrottlesAlarm"], `"WriteThrottleEvents"`, dim)
		case "AWS::SQS::Queue":
			want["ProcessorFailuresAlarm"] = append(want["ProcessorFailuresAlarm"], `"ApproximateNumberOfMessagesVisible"`,
				`{"Name":"QueueName","Value":`+js(r.Properties["QueueName"])+`}`)
		}
	}
	if want["ProcessorFailuresAlarm"] == nil {
		t.Errorf("cloudformation.json declares no queue for the processor's failed batches")
	}
	if tables.Outputs["ProcessorFunctionName"] == nil {
		t.Errorf("cloudformation.json lacks the output ProcessorFunctionName, which web.json's ProcessorFunctionName takes")
	}
	if len(want["DynamoDBReadThrottlesAlarm"]) < 2*9 {
		t.Errorf("cloudformation.json declares %d tables; want every table the store uses", len(want["DynamoDBReadThrottlesAlarm"])/2)
	}
	for name, fragments := range want {
		p, ok := alarms[name]
		if !ok {
			t.Errorf("web.json lacks the alarm %s", name)
			continue
		}
		for _, f := range fragments {
			if !strings.Contains(p, f) {
				t.Errorf("%s does not watch %s", name, f)
			}
		}
	}

	// Dead letters are counted from the processor's log line, in the web
	// tier's log group (STOREFRONT_PROCESSOR=inline) and the Lambda
	// function's; the alarm reads the metric the filters write.
	source, err := os.ReadFile(filepath.Join("..", "internal", "processing", "run.go"))
	if err != nil {
		t.Fatal(err)
	}
	dead := props(t, tmpl, "DeadLettersAlarm", "AWS::CloudWatch::Alarm")
	for name, logGroup := range map[string]string{
		"WebDeadLetterFilter":       `{"Ref":"LogGroup"}`,
		"ProcessorDeadLetterFilter": `{"Fn::Sub":"/aws/lambda/${ProcessorFunctionName}"}`,
	} {
		f := props(t, tmpl, name, "AWS::Logs::MetricFilter")
		if js(f["LogGroupName"]) != logGroup {
			t.Errorf("%s reads %s; want %s", name, js(f["LogGroupName"]), logGroup)
		}
		m := regexp.MustCompile(`^\{ \$\.msg = "([^"]+)" \}$`).FindStringSubmatch(f["FilterPattern"].(string))
		if m == nil || !strings.Contains(string(source), `Logger.ErrorContext(ctx, "`+m[1]+`"`) {
			t.Errorf("%s pattern %q; want the message internal/processing logs for each dead letter", name, f["FilterPattern"])
		}
		transforms, _ := f["MetricTransformations"].([]any)
		if len(transforms) != 1 {
			t.Fatalf("%s has %d metric transformations; want 1", name, len(transforms))
		}
		tr := transforms[0].(map[string]any)
		if js(tr["MetricNamespace"]) != js(dead["Namespace"]) || tr["MetricName"] != dead["MetricName"] {
			t.Errorf("%s writes %s %v; the alarm reads %s %v", name, js(tr["MetricNamespace"]), tr["MetricName"], js(dead["Namespace"]), dead["MetricName"])
		}
	}
	for _, name := range []string{"ProcessorIteratorAgeAlarm", "ProcessorFailuresAlarm", "ProcessorDeadLetterFilter"} {
		if c := tmpl.Resources[name].Condition; c != "HasProcessorFunction" {
			t.Errorf("%s condition %q; want HasProcessorFunction (no function, nothing to watch)", name, c)
		}
	}
	for _, name := range []string{"ImageUri", "TablePrefix"} {
		if _, ok := tmpl.Parameters[name]; !ok {
			t.Errorf("web.json lacks the %s parameter", name)
		}
	}
}

// TestTablePrefixTheAppAndS3Take: both stacks take only a TablePrefix the
// app starts with and that names what the stack creates: the photo bucket
// PREFIXimages (an S3 bucket name: lower case, no underscore), the Lambda
// function PREFIXorder-processor and the queue PREFIXprocessor-failures
// (no dots; the function's name at most 64 characters), and never empty,
// which the app reads as its default prefix.
func TestTablePrefixTheAppAndS3Take(t *testing.T) {
	for _, name := range []string{"cloudformation.json", "web.json"} {
		param, _ := readTemplate(t, name).Parameters["TablePrefix"].(map[string]any)
		pattern, _ := param["AllowedPattern"].(string)
		allowed := regexp.MustCompile(`^(?:` + pattern + `)$`) // CloudFormation matches the whole value
		for _, prefix := range []string{"storefront-", "shop-test-", "a", strings.Repeat("a", 49)} {
			if !allowed.MatchString(prefix) {
				t.Errorf("%s: TablePrefix %q refused; want it taken", name, prefix)
				continue
			}
			env := map[string]string{"STOREFRONT_STORE": "dynamodb", "STOREFRONT_TABLE_PREFIX": prefix}
			if _, err := app.LoadConfig(func(k string) string { return env[k] }); err != nil {
				t.Errorf("%s: TablePrefix %q taken, but the app refuses it: %v", name, prefix, err)
			}
		}
		for _, prefix := range []string{"", "Shop_", "shop_", "-shop", "shop.test-", strings.Repeat("a", 50)} {
			if allowed.MatchString(prefix) {
				t.Errorf("%s: TablePrefix %q taken; want it refused (no app or S3 bucket name)", name, prefix)
			}
		}
	}
}

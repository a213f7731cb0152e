package main

import (
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// placedAttributes are the attributes of an orders item as placed
// (CONTRACT.md, "DynamoDB: the orders table").
var placedAttributes = []string{"created_at", "currency", "item_count", "items", "order_id", "shipping_address",
	"shipping_cents", "status", "subtotal_cents", "total_cents", "user_email", "user_id"}

// wantChange is one status change the orders item must record.
type wantChange struct{ status, actor string }

// TestDynamoDBLifecycleOutput is the lifecycle's output check: it runs the
// whole program on DynamoDB, has staff (added with `storefront staff add`
// while it runs) move one order to delivered and the buyer cancel another
// through the JSON API, and after every change reads the orders item: it
// holds exactly the placed attributes, unchanged but status, plus
// updated_at, status_history ({status, at, actor} each) and, once shipped,
// tracking_number; the cancellation put the stock back.
func TestDynamoDBLifecycleOutput(t *testing.T) {
	env, db := dynamoDBEnvironment(t)
	p := startProgram(t, env)
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 60 * time.Second}}
	table := env["STOREFRONT_TABLE_PREFIX"] + "orders"

	out, stderr, err := runStaffAdd(t, func(name string) string { return env[name] }, staffPassword+"\n",
		"--email", "olive.desk@example.com", "--name", "Olive")
	m := regexp.MustCompile(`(?m)^totp_secret=([A-Z2-7]+)$`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("staff add = %v, %q; want a totp_secret line\n%s", err, out, stderr)
	}
	code, err := shop.TOTPCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	app.call(http.MethodPost, "/api/v1/tokens", "", nil,
		map[string]string{"email": "olive.desk@example.com", "password": staffPassword, "otp": code}, http.StatusCreated, &tok)
	staff := app.me(tok.Token, "olive.desk@example.com")

	const buyerEmail = "lin.lifecycle@example.com"
	app.call(http.MethodPost, "/api/v1/users", "", nil,
		map[string]string{"email": buyerEmail, "name": "Lin", "password": testPassword}, http.StatusCreated, nil)
	buyerToken := app.token(buyerEmail)
	buyer := app.me(buyerToken, buyerEmail)
	stockBefore := app.product("linen-tea-towels").Stock
	delivered := app.orderOf(buyerToken, "pour-over-dripper", 1, "lifecycle-output-delivered")
	cancelled := app.orderOf(buyerToken, "linen-tea-towels", 2, "lifecycle-output-cancelled")

	placed := map[string]map[string]types.AttributeValue{}
	for _, id := range []string{delivered, cancelled} {
		placed[id] = orderItemOf(t, db, table, id)
		if got := attributeNames(placed[id]); !slices.Equal(got, placedAttributes) {
			t.Fatalf("order %s after placement has %v; want exactly %v", id, got, placedAttributes)
		}
	}

	var history []wantChange
	for _, step := range []struct{ status, tracking string }{{"accepted", ""}, {"shipped", "1Z999AA10123456784"}, {"delivered", ""}} {
		body := map[string]string{"status": step.status}
		if step.tracking != "" {
			body["tracking_number"] = step.tracking
		}
		app.call(http.MethodPost, "/api/v1/admin/orders/"+delivered+"/status", tok.Token, nil, body, http.StatusOK, nil)
		history = append(history, wantChange{step.status, staff.ID})
		checkLifecycleItem(t, step.status, placed[delivered], orderItemOf(t, db, table, delivered), history, "1Z999AA10123456784", len(history) >= 2)
	}
	app.call(http.MethodPost, "/api/v1/admin/orders/"+delivered+"/status", tok.Token, nil,
		map[string]string{"status": "cancelled"}, http.StatusConflict, nil)

	app.call(http.MethodPost, "/api/v1/orders/"+cancelled+"/cancel", buyerToken, nil, nil, http.StatusOK, nil)
	checkLifecycleItem(t, "cancelled", placed[cancelled], orderItemOf(t, db, table, cancelled),
		[]wantChange{{"cancelled", buyer.ID}}, "", false)
	app.call(http.MethodPost, "/api/v1/orders/"+cancelled+"/cancel", buyerToken, nil, nil, http.StatusConflict, nil)
	if got := app.product("linen-tea-towels").Stock; got != stockBefore {
		t.Errorf("stock of linen-tea-towels after the cancellation = %d; want %d, as before the order", got, stockBefore)
	}
}

// orderOf has the holder of token buy quantity of productID with the
// Idempotency-Key key and returns the order's id.
func (c *shopClient) orderOf(token, productID string, quantity int, key string) string {
	c.t.Helper()
	c.call(http.MethodPut, "/api/v1/cart/items/"+productID, token, nil, map[string]int{"quantity": quantity}, http.StatusOK, nil)
	var o orderJSON
	c.call(http.MethodPost, "/api/v1/orders", token, map[string]string{"Idempotency-Key": key},
		map[string]any{"shipping_address": apiAddressEntered}, http.StatusCreated, &o)
	return o.ID
}

// orderItemOf reads the orders item of id, strongly consistent.
func orderItemOf(t *testing.T, db *dynamodb.Client, table, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"order_id": &types.AttributeValueMemberS{Value: id}}})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem(%s, %s) = %v, %d attributes; want the item", table, id, err, len(out.Item))
	}
	return out.Item
}

// checkLifecycleItem checks an orders item after status changes against
// the item as placed: exactly the placed attributes, each unchanged but
// status, which is the last change's; updated_at the last change's time;
// status_history the changes, oldest first, each exactly {status, at,
// actor}; tracking_number exactly when shipped is among them.
func checkLifecycleItem(t *testing.T, label string, placed, got map[string]types.AttributeValue, history []wantChange, tracking string, shipped bool) {
	t.Helper()
	want := append(slices.Clone(placedAttributes), "status_history", "updated_at")
	if shipped {
		want = append(want, "tracking_number")
	}
	slices.Sort(want)
	if names := attributeNames(got); !slices.Equal(names, want) {
		t.Errorf("after %s: item has %v; want exactly %v", label, names, want)
	}
	for name, v := range placed {
		if name != "status" && !reflect.DeepEqual(got[name], v) {
			t.Errorf("after %s: %s = %s; want it unchanged since placement, %s", label, name, avShow(got[name]), avShow(v))
		}
	}
	last := history[len(history)-1]
	if s := avString(got["status"]); s != last.status {
		t.Errorf("after %s: status = %q; want %q", label, s, last.status)
	}
	if shipped && avString(got["tracking_number"]) != tracking {
		t.Errorf("after %s: tracking_number = %s; want S %q", label, avShow(got["tracking_number"]), tracking)
	}
	list, ok := got["status_history"].(*types.AttributeValueMemberL)
	if !ok || len(list.Value) != len(history) {
		t.Fatalf("after %s: status_history = %s; want an L of %d", label, avShow(got["status_history"]), len(history))
	}
	var previous time.Time
	for i, e := range list.Value {
		m, ok := e.(*types.AttributeValueMemberM)
		if !ok || !slices.Equal(attributeNames(m.Value), []string{"actor", "at", "status"}) {
			t.Errorf("after %s: status_history[%d] = %s; want an M of exactly actor, at, status", label, i, avShow(e))
			continue
		}
		if s, a := avString(m.Value["status"]), avString(m.Value["actor"]); s != history[i].status || a != history[i].actor {
			t.Errorf("after %s: status_history[%d] = %s by %s; want %s by %s", label, i, s, a, history[i].status, history[i].actor)
		}
		at, err := time.Parse(time.RFC3339Nano, avString(m.Value["at"]))
		if err != nil || at.Location() != time.UTC || at.Before(previous) {
			t.Errorf("after %s: status_history[%d].at = %s; want an RFC 3339 UTC time, not before the one before", label, i, avShow(m.Value["at"]))
		}
		previous = at
		if i == len(list.Value)-1 && !reflect.DeepEqual(got["updated_at"], m.Value["at"]) {
			t.Errorf("after %s: updated_at = %s; want the last change's at, %s", label, avShow(got["updated_at"]), avShow(m.Value["at"]))
		}
	}
}

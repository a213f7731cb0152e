package main

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// testPassword is the password of the output test's accounts.
const testPassword = "correct horse battery staple"

// wantOrder is what an order item must hold.
type wantOrder struct {
	id, userID, email string
	lines             []wantLine
	address           map[string]string // the shipping_address attributes
}

type wantLine struct {
	productID, name string
	unitPriceCents  int64
	qty             int
}

func (w *wantOrder) itemCount() (n int64) {
	for _, l := range w.lines {
		n += int64(l.qty)
	}
	return n
}

func (w *wantOrder) subtotal() (cents int64) {
	for _, l := range w.lines {
		cents += l.unitPriceCents * int64(l.qty)
	}
	return cents
}

// shipping is the contract's rule: free from 5000 cents, else 500.
func (w *wantOrder) shipping() int64 {
	if w.subtotal() >= 5000 {
		return 0
	}
	return 500
}

func (w *wantOrder) total() int64 { return w.subtotal() + w.shipping() }

// item is the whole item the contract prescribes, created_at aside (its
// value is only known to be in a time window).
func (w *wantOrder) item() map[string]types.AttributeValue {
	lines := make([]types.AttributeValue, len(w.lines))
	for i, l := range w.lines {
		lines[i] = avM(map[string]types.AttributeValue{
			"product_id": avS(l.productID), "name": avS(l.name), "unit_price_cents": avN(l.unitPriceCents),
			"quantity": avN(int64(l.qty)), "line_total_cents": avN(l.unitPriceCents * int64(l.qty)),
		})
	}
	addr := map[string]types.AttributeValue{}
	for k, v := range w.address {
		addr[k] = avS(v)
	}
	return map[string]types.AttributeValue{
		"order_id": avS(w.id), "user_id": avS(w.userID), "user_email": avS(w.email),
		"status": avS("placed"), "currency": avS("USD"),
		"items":      &types.AttributeValueMemberL{Value: lines},
		"item_count": avN(w.itemCount()), "subtotal_cents": avN(w.subtotal()),
		"shipping_cents": avN(w.shipping()), "total_cents": avN(w.total()),
		"shipping_address": avM(addr),
	}
}

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avN(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func avM(v map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: v}
}

// checkOrderItem fails the test with every way an item of the orders
// table differs from the contract and w (orderItemProblems).
func checkOrderItem(t *testing.T, label string, got map[string]types.AttributeValue, w *wantOrder, start, end time.Time) {
	t.Helper()
	for _, problem := range orderItemProblems(got, w, start, end) {
		t.Errorf("%s: %s", label, problem)
	}
}

// orderItemProblems lists how an item of the orders table differs from
// the contract and w: exactly the contract's attributes, each of its type
// and value; created_at RFC 3339 in UTC within [start, end].
func orderItemProblems(got map[string]types.AttributeValue, w *wantOrder, start, end time.Time) []string {
	var problems []string
	want := w.item()
	created, ok := got["created_at"].(*types.AttributeValueMemberS)
	switch {
	case got["created_at"] == nil:
		problems = append(problems, "no created_at")
	case !ok:
		problems = append(problems, fmt.Sprintf("created_at is %s; want S", avType(got["created_at"])))
	default:
		ts, err := time.Parse(time.RFC3339Nano, created.Value)
		if _, offset := ts.Zone(); err != nil {
			problems = append(problems, fmt.Sprintf("created_at %q is not RFC 3339: %v", created.Value, err))
		} else if offset != 0 {
			problems = append(problems, fmt.Sprintf("created_at %q is not in UTC", created.Value))
		} else if ts.Before(start.Truncate(time.Second)) || ts.After(end) {
			problems = append(problems, fmt.Sprintf("created_at %s is outside the test's time window [%s, %s]", created.Value,
				start.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano)))
		}
		want["created_at"] = created // its value checked above; the attribute is expected
	}
	return append(problems, diffAV("", avM(got), avM(want))...)
}

// diffAV lists how got differs from want: types, values, and for maps the
// missing and unexpected keys. Numbers compare as integers.
func diffAV(path string, got, want types.AttributeValue) []string {
	at := path
	if at == "" {
		at = "item"
	}
	if gt, wt := avType(got), avType(want); gt != wt {
		return []string{fmt.Sprintf("%s is %s %s; want %s %s", at, gt, avShow(got), wt, avShow(want))}
	}
	switch w := want.(type) {
	case *types.AttributeValueMemberS:
		if g := got.(*types.AttributeValueMemberS); g.Value != w.Value {
			return []string{fmt.Sprintf("%s = %q; want %q", at, g.Value, w.Value)}
		}
	case *types.AttributeValueMemberN:
		g := got.(*types.AttributeValueMemberN)
		wn, err := strconv.ParseInt(w.Value, 10, 64)
		if err != nil {
			return []string{fmt.Sprintf("%s: the test expects N %q, not an integer", at, w.Value)}
		}
		if gn, err := strconv.ParseInt(g.Value, 10, 64); err != nil || gn != wn {
			return []string{fmt.Sprintf("%s = N %s; want N %s", at, g.Value, w.Value)}
		}
	case *types.AttributeValueMemberL:
		g := got.(*types.AttributeValueMemberL)
		if len(g.Value) != len(w.Value) {
			return []string{fmt.Sprintf("%s has %d elements; want %d: %s", at, len(g.Value), len(w.Value), avShow(got))}
		}
		var out []string
		for i := range w.Value {
			out = append(out, diffAV(fmt.Sprintf("%s[%d]", path, i), g.Value[i], w.Value[i])...)
		}
		return out
	case *types.AttributeValueMemberM:
		g := got.(*types.AttributeValueMemberM)
		var out []string
		for _, k := range sortedKeys(w.Value) {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if _, ok := g.Value[k]; !ok {
				out = append(out, fmt.Sprintf("%s is missing; want %s %s", sub, avType(w.Value[k]), avShow(w.Value[k])))
				continue
			}
			out = append(out, diffAV(sub, g.Value[k], w.Value[k])...)
		}
		for _, k := range sortedKeys(g.Value) {
			if _, ok := w.Value[k]; !ok {
				out = append(out, fmt.Sprintf("%s: unexpected attribute %q = %s %s", at, k, avType(g.Value[k]), avShow(g.Value[k])))
			}
		}
		return out
	default:
		return []string{fmt.Sprintf("%s: the test expects no %s", at, avType(want))}
	}
	return nil
}

func sortedKeys(m map[string]types.AttributeValue) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// avType names an attribute value's DynamoDB type.
func avType(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	case nil:
		return "nothing"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// avShow renders an attribute value compactly for messages.
func avShow(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return strconv.Quote(v.Value)
	case *types.AttributeValueMemberN:
		return v.Value
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = avShow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *types.AttributeValueMemberM:
		keys := sortedKeys(v.Value)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + avShow(v.Value[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case *types.AttributeValueMemberBOOL:
		return strconv.FormatBool(v.Value)
	default:
		return fmt.Sprintf("%v", v)
	}
}

func avString(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func attributeNames(it map[string]types.AttributeValue) []string {
	names := make([]string, 0, len(it))
	for k := range it {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// dollars formats cents as the pages show money.
func dollars(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

// TestOrderItemCheck checks the output check: it accepts the contract's
// item and finds every deviation from it, each named by its attribute.
func TestOrderItemCheck(t *testing.T) {
	w := &wantOrder{id: "o1", userID: "u1", email: "a@example.com",
		lines:   []wantLine{{"p1", "Lamp", 1250, 2}, {"p2", "Mug", 300, 1}},
		address: map[string]string{"full_name": "A B", "line1": "L1", "line2": "", "city": "C", "postal_code": "P", "country": "GB"}}
	start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	end := start.Add(time.Minute)
	good := func() map[string]types.AttributeValue {
		item := w.item()
		item["created_at"] = avS("2026-01-02T10:00:30Z")
		return item
	}
	line := func(item map[string]types.AttributeValue, i int) map[string]types.AttributeValue {
		return item["items"].(*types.AttributeValueMemberL).Value[i].(*types.AttributeValueMemberM).Value
	}
	for _, tc := range []struct {
		name   string
		change func(item map[string]types.AttributeValue)
		want   string // a problem mentions it; "" for none
	}{
		{"the contract item", func(map[string]types.AttributeValue) {}, ""},
		{"a total that is not an integer", func(it map[string]types.AttributeValue) {
			it["total_cents"] = &types.AttributeValueMemberN{Value: "3300.0"}
		}, "total_cents = N 3300.0"},
		{"a number with leading zeros", func(it map[string]types.AttributeValue) {
			it["item_count"] = &types.AttributeValueMemberN{Value: "003"}
		}, ""},
		{"an extra attribute", func(it map[string]types.AttributeValue) { it["note"] = avS("x") }, `"note"`},
		{"a missing attribute", func(it map[string]types.AttributeValue) { delete(it, "currency") }, "currency is missing"},
		{"total as a string", func(it map[string]types.AttributeValue) { it["total_cents"] = avS("3300") }, "total_cents is S"},
		{"free shipping below 5000", func(it map[string]types.AttributeValue) {
			it["shipping_cents"], it["total_cents"] = avN(0), avN(2800)
		}, "shipping_cents"},
		{"created_at missing", func(it map[string]types.AttributeValue) { delete(it, "created_at") }, "no created_at"},
		{"created_at a number", func(it map[string]types.AttributeValue) { it["created_at"] = avN(1) }, "created_at is N"},
		{"created_at not RFC 3339", func(it map[string]types.AttributeValue) { it["created_at"] = avS("2026-01-02 10:00") }, "not RFC 3339"},
		{"created_at not UTC", func(it map[string]types.AttributeValue) { it["created_at"] = avS("2026-01-02T12:00:30+02:00") }, "not in UTC"},
		{"created_at before the test", func(it map[string]types.AttributeValue) { it["created_at"] = avS("2026-01-02T09:59:59Z") }, "outside"},
		{"line2 missing", func(it map[string]types.AttributeValue) {
			delete(it["shipping_address"].(*types.AttributeValueMemberM).Value, "line2")
		}, "shipping_address.line2 is missing"},
		{"another quantity", func(it map[string]types.AttributeValue) { line(it, 0)["quantity"] = avN(3) }, "items[0].quantity"},
		{"another line total", func(it map[string]types.AttributeValue) { line(it, 1)["line_total_cents"] = avN(301) }, "items[1].line_total_cents"},
		{"lines in another order", func(it map[string]types.AttributeValue) {
			l := it["items"].(*types.AttributeValueMemberL)
			l.Value[0], l.Value[1] = l.Value[1], l.Value[0]
		}, "items[0].product_id"},
		{"a line missing", func(it map[string]types.AttributeValue) {
			l := it["items"].(*types.AttributeValueMemberL)
			l.Value = l.Value[:1]
		}, "items has 1 elements"},
		{"status pending", func(it map[string]types.AttributeValue) { it["status"] = avS("pending") }, "status"},
		{"another buyer", func(it map[string]types.AttributeValue) { it["user_email"] = avS("b@example.com") }, "user_email"},
	} {
		item := good()
		tc.change(item)
		problems := orderItemProblems(item, w, start, end)
		switch {
		case tc.want == "" && len(problems) > 0:
			t.Errorf("%s: problems %q; want none", tc.name, problems)
		case tc.want != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }):
			t.Errorf("%s: problems %q; want one naming %s", tc.name, problems, tc.want)
		}
	}
}

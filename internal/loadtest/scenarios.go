package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// scenario is what each virtual user does: setup once (not measured),
// then step over and over until the run ends.
type scenario struct {
	summary      string
	needsCatalog bool // discover products, categories and a search word first
	setup        func(ctx context.Context, v *vu) error
	step         func(ctx context.Context, v *vu)
	target       func(sh *shared) string // what the run asks for, for the report
}

var scenarios = map[string]scenario{
	"mix": {summary: "a browser shopper's visit: catalog, search, category, product pages, add to cart, view it; " +
		"half the visits sign in, check out and sign out (form posts as a browser sends them: Origin and Sec-Fetch-Site same-origin, every hidden field such as the checkout key)",
		needsCatalog: true, setup: setupBrowserAccount, step: stepVisit, target: noTarget},
	"hello": {summary: "GET / of any server (the hello-world ceiling)", step: get("hello", func(*vu) string { return "/" }), target: noTarget},
	"catalog-guest": {summary: "GET / without a session", needsCatalog: true,
		step: get("catalog-guest", func(*vu) string { return "/" }), target: noTarget},
	"catalog-signed-in": {summary: "GET / signed in (each user registered through the form)", needsCatalog: true,
		setup: setupBrowserAccount, step: get("catalog-signed-in", func(*vu) string { return "/" }), target: noTarget},
	"product": {summary: "GET /products/{id}, a random product of the first API pages", needsCatalog: true,
		step: get("product", func(v *vu) string { return "/products/" + url.PathEscape(v.pick(v.sh.products)) }), target: noTarget},
	"search": {summary: "GET /products?q=WORD (-query, else a frequent word of the product names)", needsCatalog: true,
		step:   get("search", func(v *vu) string { return "/products?q=" + url.QueryEscape(v.sh.query) }),
		target: func(sh *shared) string { return "q=" + sh.query }},
	"category": {summary: "GET /products?category=ID, a random category", needsCatalog: true,
		step:   get("category", func(v *vu) string { return "/products?category=" + url.QueryEscape(v.pick(v.sh.categories)) }),
		target: noTarget},
	"page400": {summary: "GET /products?page=N (-page, default 400; the last page when the catalog has fewer)", needsCatalog: true,
		step:   get("page400", func(v *vu) string { return "/products?page=" + strconv.Itoa(v.sh.page) }),
		target: func(sh *shared) string { return "page=" + strconv.Itoa(sh.page) }},
	"api-list": {summary: "GET /api/v1/products (12 items)", needsCatalog: true,
		step: get("api-list", func(*vu) string { return "/api/v1/products?per_page=12" }), target: noTarget},
	"checkout": {summary: "API clients, each signed up with a token: PUT a cart line, POST /orders with an Idempotency-Key, again and again",
		needsCatalog: true, setup: setupAPIAccount, step: stepAPICheckout, target: noTarget},
}

func noTarget(*shared) string { return "" }

// Scenarios lists the scenario names.
func Scenarios() []string { return slices.Sorted(maps.Keys(scenarios)) }

// ScenarioSummary says what a scenario does.
func ScenarioSummary(name string) string { return scenarios[name].summary }

// get is a scenario step of one GET.
func get(kind string, path func(*vu) string) func(context.Context, *vu) {
	return func(ctx context.Context, v *vu) {
		_, _ = v.do(ctx, request{kind: kind, method: http.MethodGet, path: path(v)})
	}
}

// shared is what every virtual user of a run reads: the catalog as the API
// lists it, discovered before the run.
type shared struct {
	base       string
	cfg        Config
	runID      string
	products   []string // ids, in stock
	categories []string
	query      string
	page       int
	target     string
}

// pick returns a random element of s.
func (v *vu) pick(s []string) string { return s[v.rng.IntN(len(s))] }

type apiProduct struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Stock    int    `json:"stock"`
}

var errNoCatalog = errors.New("the catalog lists no products in stock (10 or more)")

// discover reads the first pages of products through the API (not
// measured): the products in stock, their categories, a search word and
// the page of page400.
func (sh *shared) discover(ctx context.Context, tr http.RoundTripper) error {
	hc := &http.Client{Transport: tr}
	sh.categories, sh.products = nil, nil
	var names []string
	total := 0
	for page := 1; page <= 5; page++ {
		var list struct {
			Items []apiProduct `json:"items"`
			Total int          `json:"total"`
		}
		if err := getJSON(ctx, hc, fmt.Sprintf("%s/api/v1/products?per_page=100&page=%d", sh.base, page), &list); err != nil {
			return err
		}
		total = list.Total
		for _, p := range list.Items {
			names = append(names, p.Name)
			if !slices.Contains(sh.categories, p.Category) {
				sh.categories = append(sh.categories, p.Category)
			}
			if p.Stock >= 10 {
				sh.products = append(sh.products, p.ID)
			}
		}
		if len(list.Items) < 100 {
			break
		}
	}
	if len(sh.products) == 0 || len(sh.categories) == 0 {
		return errNoCatalog
	}
	sh.query = sh.cfg.Query
	if sh.query == "" {
		sh.query = FrequentWord(names)
	}
	// The catalog page shows 12 products (shop.DefaultPerPage).
	sh.page = min(sh.cfg.Page, max(1, (total+11)/12))
	return nil
}

// FrequentWord returns the most frequent word of four or more letters in
// names (lower case; ties by alphabetical order), "" for none.
func FrequentWord(names []string) string {
	counts := map[string]int{}
	for _, n := range names {
		for _, w := range strings.FieldsFunc(strings.ToLower(n), func(r rune) bool { return r < 'a' || r > 'z' }) {
			if len(w) >= 4 {
				counts[w]++
			}
		}
	}
	best := ""
	for _, w := range slices.Sorted(maps.Keys(counts)) {
		if counts[w] > counts[best] {
			best = w
		}
	}
	return best
}

func getJSON(ctx context.Context, hc *http.Client, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// account fills the virtual user's sign-up details: unique per run.
func (v *vu) account() {
	v.email = fmt.Sprintf("loadtest-%s-%d@example.com", v.sh.runID, v.id)
	v.password = "lt-" + randomHex(12)
}

// setupBrowserAccount registers the user through the HTML form, which
// signs them in (the session cookie stays in the jar).
func setupBrowserAccount(ctx context.Context, v *vu) error {
	v.account()
	a, err := v.do(ctx, request{kind: "setup", method: http.MethodPost, path: "/register", form: url.Values{
		"email": {v.email}, "name": {fmt.Sprintf("Load Test %d", v.id)}, "password": {v.password}, "confirm_password": {v.password}}})
	if err != nil {
		return setupError("register through the form", a, err)
	}
	if a.status != http.StatusSeeOther {
		return fmt.Errorf("register through the form: status %d, want 303", a.status)
	}
	v.rec = newRecorder() // set-up requests are not measured
	return nil
}

// setupAPIAccount registers the user through the API and takes a token.
func setupAPIAccount(ctx context.Context, v *vu) error {
	v.account()
	body, _ := json.Marshal(map[string]string{"email": v.email, "name": fmt.Sprintf("Load Test %d", v.id), "password": v.password})
	if a, err := v.do(ctx, request{kind: "setup", method: http.MethodPost, path: "/api/v1/users", json: string(body)}); err != nil {
		return setupError("POST /api/v1/users", a, err)
	}
	body, _ = json.Marshal(map[string]string{"email": v.email, "password": v.password})
	a, err := v.do(ctx, request{kind: "setup", method: http.MethodPost, path: "/api/v1/tokens", json: string(body), read: true})
	if err != nil {
		return setupError("POST /api/v1/tokens", a, err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(a.body, &tok); err != nil || tok.Token == "" {
		return fmt.Errorf("POST /api/v1/tokens: no token in %q", firstLine(a.body))
	}
	v.token = tok.Token
	v.rec = newRecorder()
	return nil
}

func setupError(what string, a *answer, err error) error {
	if a != nil {
		return fmt.Errorf("%s: status %d: %s", what, a.status, firstLine(a.body))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// shippingJSON is the API checkout's body.
const shippingJSON = `{"shipping_address":{"full_name":"Load Test","line1":"1 Bench Street","line2":"","city":"Springfield","postal_code":"12345","country":"US"}}`

// stepAPICheckout puts one product in the cart and places the order with
// a fresh Idempotency-Key.
func stepAPICheckout(ctx context.Context, v *vu) {
	pid := v.pick(v.sh.products)
	if _, err := v.do(ctx, request{kind: "api-cart-put", method: http.MethodPut,
		path: "/api/v1/cart/items/" + url.PathEscape(pid), json: `{"quantity":1}`}); err != nil {
		return
	}
	a, err := v.do(ctx, request{kind: "api-order", method: http.MethodPost, path: "/api/v1/orders", json: shippingJSON,
		header: map[string]string{"Idempotency-Key": "lt-" + randomHex(12)}})
	if err == nil && a.status == http.StatusCreated {
		v.placed()
	}
}

// checkoutFraction is the share of visits that sign in and check out.
const checkoutFraction = 0.5

// stepVisit is one browser visit as a guest (a fresh session): browse,
// add to cart, and in half the visits sign in, check out and sign out.
func stepVisit(ctx context.Context, v *vu) {
	v.resetCookies()
	sh := v.sh
	steps := []request{
		{kind: "catalog", method: http.MethodGet, path: "/"},
		{kind: "search", method: http.MethodGet, path: "/products?q=" + url.QueryEscape(sh.query)},
		{kind: "category", method: http.MethodGet, path: "/products?category=" + url.QueryEscape(v.pick(sh.categories))},
		{kind: "product", method: http.MethodGet, path: "/products/" + url.PathEscape(v.pick(sh.products))},
	}
	for _, r := range steps {
		if _, err := v.do(ctx, r); err != nil {
			return
		}
	}
	pid := v.pick(sh.products)
	if _, err := v.do(ctx, request{kind: "product", method: http.MethodGet, path: "/products/" + url.PathEscape(pid)}); err != nil {
		return
	}
	if _, err := v.do(ctx, request{kind: "cart-add", method: http.MethodPost, path: "/cart/items",
		form: url.Values{"product_id": {pid}, "quantity": {"1"}}}); err != nil {
		return
	}
	if _, err := v.do(ctx, request{kind: "cart", method: http.MethodGet, path: "/cart"}); err != nil {
		return
	}
	if v.rng.Float64() >= checkoutFraction {
		return
	}
	// Sign in (the guest cart merges into the user's), check out.
	if _, err := v.do(ctx, request{kind: "login", method: http.MethodPost, path: "/login",
		form: url.Values{"email": {v.email}, "password": {v.password}, "next": {"/checkout"}}}); err != nil {
		return
	}
	a, err := v.do(ctx, request{kind: "checkout-form", method: http.MethodGet, path: "/checkout", read: true})
	if err != nil {
		return
	}
	form := HiddenInputs(a.body, "/checkout")
	for k, val := range map[string]string{"full_name": "Load Test", "address_line1": "1 Bench Street", "address_line2": "",
		"city": "Springfield", "postal_code": "12345", "country": "US"} {
		form.Set(k, val)
	}
	a, err = v.do(ctx, request{kind: "checkout", method: http.MethodPost, path: "/checkout", form: form})
	if err != nil {
		return
	}
	if a.status == http.StatusSeeOther && strings.HasPrefix(a.location, "/orders/") {
		v.placed()
		if _, err := v.do(ctx, request{kind: "order-page", method: http.MethodGet, path: a.location}); err != nil {
			return
		}
	} else {
		v.wrong("checkout", "no order", fmt.Sprintf("POST /checkout answered %d to %q, want 303 to /orders/{id}", a.status, a.location))
	}
	_, _ = v.do(ctx, request{kind: "logout", method: http.MethodPost, path: "/logout", form: url.Values{}})
}

var (
	formRE  = regexp.MustCompile(`(?is)<form\b[^>]*>.*?</form>`)
	inputRE = regexp.MustCompile(`(?is)<input\b[^>]*>`)
	attrRE  = regexp.MustCompile(`(?is)([a-z_:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
)

// HiddenInputs returns the hidden inputs of the first form of page whose
// action is action (every form's when action is ""), as a browser would
// submit them.
func HiddenInputs(page []byte, action string) url.Values {
	out := url.Values{}
	for _, form := range formRE.FindAll(page, -1) {
		open := form[:strings.IndexByte(string(form), '>')+1]
		if action != "" && attrs(open)["action"] != action {
			continue
		}
		for _, in := range inputRE.FindAll(form, -1) {
			a := attrs(in)
			if strings.EqualFold(a["type"], "hidden") && a["name"] != "" {
				out.Add(a["name"], a["value"])
			}
		}
		if action != "" {
			break
		}
	}
	return out
}

// attrs returns the attributes of one tag, values unescaped.
func attrs(tag []byte) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllSubmatch(tag, -1) {
		val := string(a[2])
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') {
			val = val[1 : len(val)-1]
		}
		m[strings.ToLower(string(a[1]))] = html.UnescapeString(val)
	}
	return m
}

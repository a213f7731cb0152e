package shop

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// referenceQuery answers q by brute force over every product, by the rules
// the model implements with its index and sorted views: the statement the
// model is checked against.
func referenceQuery(products []Product, q ProductQuery) (ids []string, total int, counts map[string]int) {
	type scored struct {
		p     Product
		score int
	}
	words := queryTerms(q.Text)
	var matched []scored
	counts = map[string]int{}
	for _, p := range products {
		if !p.Active && !q.IncludeInactive {
			continue
		}
		score := 0
		if q.Text != "" {
			name, desc := searchTerms(p.Name), searchTerms(p.Description)
			for _, w := range words {
				switch {
				case slices.Contains(name, w):
					score += nameScore
				case slices.Contains(desc, w):
					score++
				default:
					score = -1
				}
				if score < 0 {
					break
				}
			}
			if score <= 0 {
				continue
			}
			counts[p.Category]++
		}
		if q.Category != "" && p.Category != q.Category {
			continue
		}
		matched = append(matched, scored{p, score})
	}
	sort.SliceStable(matched, func(i, j int) bool {
		a, b := matched[i], matched[j]
		if q.Sort == SortRelevance && a.score != b.score {
			return a.score > b.score
		}
		return compareProducts(sortOrderOf(q.Sort), &a.p, &b.p) < 0
	})
	start := (q.Page - 1) * q.PerPage
	for i := start; i < len(matched) && i < start+q.PerPage; i++ {
		ids = append(ids, matched[i].p.ID)
	}
	return ids, len(matched), counts
}

var (
	testWords  = []string{"kettle", "kettles", "Café", "cafe", "mug", "mugs", "blue", "Blue", "steel", "glass", "glasses", "teapot", "the", "for", "garden", "spade", "brush", "brushes"}
	testCats   = []string{"kitchen", "garden", "bath"}
	testSorts  = []string{SortRelevance, SortName, SortPriceAsc, SortPriceDesc, SortNewest}
	testOrigin = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

func randomText(r *rand.Rand, words int) string {
	parts := make([]string, words)
	for i := range parts {
		parts[i] = testWords[r.IntN(len(testWords))]
	}
	return strings.Join(parts, " ")
}

func randomProduct(r *rand.Rand, id string) Product {
	return Product{ID: id, Name: randomText(r, 1+r.IntN(3)), Description: randomText(r, r.IntN(6)),
		Category: testCats[r.IntN(len(testCats))], PriceCents: Money(100 * (1 + r.IntN(20))), Stock: r.IntN(5),
		Active: r.IntN(6) != 0, CreatedAt: testOrigin.Add(time.Duration(r.IntN(50)) * time.Hour)}
}

// TestCatalogModelAnswersAsTheReference: after a random catalog and random
// batches of changes (new products, renames, price, category, activity and
// stock changes), every query the model answers, by page and by cursor,
// equals the brute-force answer over the same products: with the terms'
// postings in lists (the default at this size), as bitmaps (a dense
// minimum of 2), and in both, lists turning into bitmaps as the changes
// add products (20).
func TestCatalogModelAnswersAsTheReference(t *testing.T) {
	for _, denseMin := range []int{defaultDenseMin, 2, 20} {
		t.Run(fmt.Sprintf("denseMin=%d", denseMin), func(t *testing.T) {
			t.Parallel()
			testCatalogModelAnswersAsTheReference(t, denseMin)
		})
	}
}

// modelOf builds the model of products in batches of batchSize, with the
// terms' postings bitmaps from denseMin long.
func modelOf(products []Product, categories []Category, batchSize, denseMin int) *catalogModel {
	b := newCatalogBuilder()
	b.m.denseMin = denseMin
	for start := 0; start < len(products); start += batchSize {
		b.add(products[start:min(start+batchSize, len(products))])
	}
	return b.finish(categories)
}

func testCatalogModelAnswersAsTheReference(t *testing.T, denseMin int) {
	r := rand.New(rand.NewPCG(1, 2))
	products := make([]Product, 60)
	for i := range products {
		products[i] = randomProduct(r, fmt.Sprintf("p%03d", i))
	}
	m := modelOf(slices.Clone(products), []Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "garden", Name: "Garden"}, {ID: "bath", Name: "Bath"}}, loadBatch, denseMin)
	for round := range 30 {
		if round > 0 {
			var batch []Product
			for range 1 + r.IntN(8) {
				if r.IntN(4) == 0 {
					p := randomProduct(r, fmt.Sprintf("p%03d", len(products)))
					products = append(products, p)
					batch = append(batch, p)
					continue
				}
				i := r.IntN(len(products))
				p := products[i]
				switch r.IntN(5) {
				case 0:
					p.Name = randomText(r, 1+r.IntN(3))
				case 1:
					p.PriceCents = Money(100 * (1 + r.IntN(20)))
				case 2:
					p.Category = testCats[r.IntN(len(testCats))]
				case 3:
					p.Active = !p.Active
				default:
					p.Stock, p.Description = r.IntN(5), randomText(r, r.IntN(6))
				}
				products[i] = p
				batch = append(batch, p)
			}
			m.apply(batch, nil)
		}
		for range 40 {
			q := ProductQuery{Sort: testSorts[r.IntN(len(testSorts))], Page: 1, PerPage: 1 + r.IntN(7), IncludeInactive: r.IntN(4) == 0}
			if r.IntN(3) > 0 {
				q.Text = randomText(r, 1+r.IntN(2))
			}
			if r.IntN(3) == 0 {
				q.Category = testCats[r.IntN(len(testCats))]
			}
			if q.Text == "" && q.Sort == SortRelevance {
				q.Sort = SortName
			}
			checkWalk(t, m, products, q)
		}
	}
}

// TestCatalogModelFromBatchesEqualsAtOnce: a start that reads the
// products in batches (and a product twice, the later winning) builds the
// model that one batch of them all builds, with the postings of frequent
// terms as bitmaps and of the others as lists either way.
func TestCatalogModelFromBatchesEqualsAtOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var products []Product
	for i := range 300 {
		p := randomProduct(r, fmt.Sprintf("p%03d", i))
		p.Description += fmt.Sprintf(" rare%d", i%30) // in 10 products each: lists
		products = append(products, p)
		if i%50 == 49 { // read again with another name, as a change during the read
			p := products[r.IntN(len(products))]
			p.Name = randomText(r, 2)
			products = append(products, p)
		}
	}
	products[7].Active, products[8].Active = false, false
	categories := []Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "garden", Name: "Garden"}, {ID: "bath", Name: "Bath"}}
	atOnce := modelOf(slices.Clone(products), categories, len(products), 40)
	if len(atOnce.dense) == 0 || len(atOnce.terms) == 0 {
		t.Fatalf("%d terms in bitmaps, %d in lists; want some of each", len(atOnce.dense), len(atOnce.terms))
	}
	for _, size := range []int{1, 7, 64} {
		inBatches := modelOf(slices.Clone(products), categories, size, 40)
		if !reflect.DeepEqual(inBatches, atOnce) {
			t.Errorf("the model built in batches of %d differs from the one built at once", size)
		}
	}
}

// TestCatalogModelSharesEqualViews: the staff's view of everything is the
// sort order itself, and of a category without inactive products the
// shoppers' view; the shoppers' view of everything is the order too while
// every product is active.
func TestCatalogModelSharesEqualViews(t *testing.T) {
	products := []Product{
		{ID: "a", Name: "A", Category: "kitchen", Active: true}, {ID: "b", Name: "B", Category: "kitchen", Active: true},
		{ID: "c", Name: "C", Category: "garden", Active: true}, {ID: "d", Name: "D", Category: "garden", Active: false},
	}
	m := newCatalogModel(slices.Clone(products), nil)
	same := func(a, b []int32) bool { return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0] }
	for s := range sortOrders {
		if !same(m.listed[1][""][s], m.order[s]) {
			t.Errorf("order %d: the staff's view of everything is not the order", s)
		}
	}
	if !same(m.listed[1]["kitchen"][byName], m.listed[0]["kitchen"][byName]) {
		t.Error("kitchen (all active): the staff's view is not the shoppers'")
	}
	if got := len(m.listed[1]["garden"][byName]); got != 2 || same(m.listed[1]["garden"][byName], m.listed[0]["garden"][byName]) {
		t.Errorf("garden (one inactive): the staff's view has %d products (want 2), or is the shoppers' (1)", got)
	}
	m.apply([]Product{{ID: "d", Name: "D", Category: "garden", Active: true}}, nil)
	if !same(m.listed[0][""][byName], m.order[byName]) || !same(m.listed[1]["garden"][byName], m.listed[0]["garden"][byName]) {
		t.Error("every product active: the views are not shared")
	}
}

// checkWalk pages through q by page number and by cursor, comparing every
// page with the reference.
func checkWalk(t *testing.T, m *catalogModel, products []Product, q ProductQuery) {
	t.Helper()
	var cursor *pageCursor
	for q.Page = 1; ; q.Page++ {
		wantIDs, wantTotal, wantCounts := referenceQuery(products, q)
		got := m.query(q, nil)
		if ids := pageIDs(got.Items); !slices.Equal(ids, wantIDs) || got.Total != wantTotal {
			t.Fatalf("query(%+v) = %v (total %d); want %v (total %d)", q, ids, got.Total, wantIDs, wantTotal)
		}
		if q.Text != "" && !mapsEqual(got.CategoryCounts, wantCounts) {
			t.Fatalf("query(%+v) counts = %v; want %v", q, got.CategoryCounts, wantCounts)
		}
		byCursor := m.query(q, cursor)
		if ids := pageIDs(byCursor.Items); !slices.Equal(ids, wantIDs) {
			t.Fatalf("query(%+v) after cursor %+v = %v; want %v", q, cursor, ids, wantIDs)
		}
		if got.Next == "" {
			if q.Page*q.PerPage < wantTotal {
				t.Fatalf("query(%+v): no next cursor with %d matches", q, wantTotal)
			}
			return
		}
		c, ok := parseCursor(got.Next, q)
		if !ok {
			t.Fatalf("query(%+v): next %q does not parse", q, got.Next)
		}
		cursor = &c
	}
}

func pageIDs(products []Product) []string {
	var ids []string
	for _, p := range products {
		ids = append(ids, p.ID)
	}
	return ids
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCatalogCursorSurvivesChanges: a product added before the cursor's
// position neither repeats nor shifts the rest of the walk, as an offset
// would.
func TestCatalogCursorSurvivesChanges(t *testing.T) {
	var products []Product
	for i := range 10 {
		products = append(products, Product{ID: fmt.Sprintf("p%02d", i), Name: fmt.Sprintf("Item %02d", i), Active: true, Category: "c"})
	}
	m := newCatalogModel(products, nil)
	q := ProductQuery{Sort: SortName, Page: 1, PerPage: 4}
	first := m.query(q, nil)
	m.apply([]Product{{ID: "a-new", Name: "Item 00 and a half", Active: true, Category: "c"}}, nil)
	c, _ := parseCursor(first.Next, q)
	second := m.query(q, &c)
	if ids := pageIDs(second.Items); !slices.Equal(ids, []string{"p04", "p05", "p06", "p07"}) {
		t.Errorf("second page after an insertion before it = %v; want p04..p07", ids)
	}
	q.Page = 2
	if ids := pageIDs(m.query(q, nil).Items); !slices.Equal(ids, []string{"p03", "p04", "p05", "p06"}) {
		t.Errorf("page 2 by offset = %v; want p03..p06 (the offset shifts: what cursors avoid)", ids)
	}
}

func TestParseCursorRefusesForeignAndMalformed(t *testing.T) {
	p := &Product{ID: "p1", Name: "Mug", PriceCents: 100}
	byPrice := ProductQuery{Sort: SortPriceAsc, Category: "kitchen"}
	good := cursorAfter(byPrice, p, 0)
	byName := ProductQuery{Sort: SortName}
	legacy := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"price_asc","p":100,"i":"p1"}`)) // before scopes
	for _, tt := range []struct {
		text string
		q    ProductQuery
		ok   bool
	}{
		{good, byPrice, true},
		{good, ProductQuery{Sort: SortPriceAsc}, false},                                   // another category
		{good, ProductQuery{Sort: SortPriceAsc, Category: "garden"}, false},               // another category
		{good, ProductQuery{Sort: SortPriceAsc, Category: "kitchen", Text: "mug"}, false}, // a search
		{good, ProductQuery{Sort: SortPriceAsc, Category: "kitchen", IncludeInactive: true}, false},
		{good, byName, false},
		{legacy, ProductQuery{Sort: SortPriceAsc, Text: "anything"}, true},
		// A name order's cursor from before: its names were in another order.
		{base64.RawURLEncoding.EncodeToString([]byte(`{"s":"name","n":"Zebra","i":"z"}`)), byName, false},
		{"%%%", byName, false},
		{"e30", byName, false}, // {}: no sort, no id
		{strings.Repeat("A", maxCursorLen+1), byName, false},
		{cursorAfter(byName, &Product{ID: "bad id", Name: "x"}, 0), byName, false},
	} {
		if _, ok := parseCursor(tt.text, tt.q); ok != tt.ok {
			t.Errorf("parseCursor(%.20q, %+v) ok = %v; want %v", tt.text, tt.q, ok, tt.ok)
		}
	}
}

// TestCursorOfTheLongestNameParses: every cursor the shop hands out is
// one it takes back, also after a product whose name is as long as names
// may be and JSON writes at length (6 bytes a character for <, > and &; 4
// for an emoji), with the longest id.
func TestCursorOfTheLongestNameParses(t *testing.T) {
	id := strings.Repeat("a", 64)
	for _, name := range []string{strings.Repeat("<", MaxProductNameLen), strings.Repeat("чайник ", MaxProductNameLen/7),
		strings.Repeat("日", MaxProductNameLen), strings.Repeat("😀", MaxProductNameLen)} {
		for _, sortBy := range []string{SortName, SortRelevance} {
			q := ProductQuery{Sort: sortBy, Text: strings.Repeat("x", MaxQueryLen), Category: id, IncludeInactive: true}
			text := cursorAfter(q, &Product{ID: id, Name: name}, math.MaxInt)
			if c, ok := parseCursor(text, q); !ok || c.Name != name {
				t.Errorf("the cursor (%d characters) after %.12q... sorted by %s does not parse back", len(text), name, sortBy)
			}
		}
	}
}

func TestSearchTerms(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []string
	}{
		{"Kettles", []string{"kettl"}},
		{"kettle", []string{"kettl"}},
		{"CAFÉ crème", []string{"cafe", "creme"}},
		{"batteries, battery!", []string{"batteri"}},
		{"  ", nil},
	} {
		if got := searchTerms(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("searchTerms(%q) = %v; want %v", tt.text, got, tt.want)
		}
	}
	// Plurals Porter2 leaves apart from their singular: either finds both.
	for _, same := range [][2]string{{"Knives", "knife"}, {"mice", "Mouse"}, {"shelves", "shelf"}, {"Children", "child"},
		{"tea leaves", "tea leaf"}, {"cacti", "cactus"}} {
		if a, b := searchTerms(same[0]), searchTerms(same[1]); !slices.Equal(a, b) || len(a) == 0 {
			t.Errorf("searchTerms(%q) = %v, searchTerms(%q) = %v; want the same terms", same[0], a, same[1], b)
		}
	}
	// A possessive is its word, with or without the apostrophe typed.
	for _, same := range [][2]string{{"Men's jacket", "men jacket"}, {"mens jacket", "man jacket"}, {"Children\u2019s books", "child book"},
		{"the cat's bowl", "the cat bowl"}, {"Kids' mugs", "kids mug"}} {
		if a, b := searchTerms(same[0]), searchTerms(same[1]); !slices.Equal(a, b) || len(a) == 0 {
			t.Errorf("searchTerms(%q) = %v, searchTerms(%q) = %v; want the same terms", same[0], a, same[1], b)
		}
	}
	for text, want := range map[string][]string{"o'neill": {"o", "neill"}, "'s": {"s"}, "it's": {"it"}, "bass's'": {"bass"}, "the's's": {"the"}} {
		if got := searchTerms(text); !slices.Equal(got, want) {
			t.Errorf("searchTerms(%q) = %v; want %v", text, got, want)
		}
	}
	if a, b := searchTerms("lives"), searchTerms("live"); !slices.Equal(a, b) {
		t.Errorf("searchTerms(lives) = %v, searchTerms(live) = %v; want the same terms (lives is not taken for life)", a, b)
	}
	if got := queryTerms("mug for the tea"); !slices.Equal(got, []string{"mug", "tea"}) {
		t.Errorf("queryTerms(mug for the tea) = %v; want [mug tea] (stop words dropped)", got)
	}
	for query, want := range map[string][]string{"down jacket": {"down", "jacket"}, "can opener": {"can", "open"},
		"over-ear headphones": {"over", "ear", "headphon"}, "off-white mug": {"off", "white", "mug"}} {
		if got := queryTerms(query); !slices.Equal(got, want) {
			t.Errorf("queryTerms(%s) = %v; want %v (words that name products are kept)", query, got, want)
		}
	}
	if got := queryTerms("the"); !slices.Equal(got, []string{"the"}) {
		t.Errorf("queryTerms(the) = %v; want [the] (a query of stop words only keeps them)", got)
	}
}

// TestSearchFolding: a word is found however a shopper types it: case
// folded fully (ß, final sigma, dotted and dotless i), compatibility forms
// (ligatures, full-width letters), Latin letters without a decomposition,
// zero-width joiners; and never confused with another word of a script
// whose marks are part of its letters (kana voicing, Devanagari vowel
// signs), which stay one word.
func TestSearchFolding(t *testing.T) {
	for _, same := range [][2]string{
		{"Straße", "STRASSE"}, {"ΚΑΦΕΣ", "καφές"}, {"Smørrebrød", "smorrebrod"}, {"Łódź", "lodz"}, {"Ærø", "aero"},
		{"Kırmızı", "KIRMIZI"}, {"İstanbul", "istanbul"}, {"\ufb01lter", "filter"}, {"Ｋｅｔｔｌｅ", "kettle"},
		{"کتاب\u200cها", "کتابها"}, {"Cafe\u0301", "café"},
	} {
		if a, b := searchTerms(same[0]), searchTerms(same[1]); !slices.Equal(a, b) || len(a) == 0 {
			t.Errorf("searchTerms(%q) = %v, searchTerms(%q) = %v; want the same terms", same[0], a, same[1], b)
		}
	}
	for _, same := range [][2]string{{"قَهْوَة", "قهوة"}, {"שָׁלוֹם", "שלום"}, {"قهـــوة", "قهوة"}} {
		if a, b := searchTerms(same[0]), searchTerms(same[1]); !slices.Equal(a, b) || len(a) == 0 {
			t.Errorf("searchTerms(%q) = %v, searchTerms(%q) = %v; want the same terms (optional vowel marks, tatweel)", same[0], a, same[1], b)
		}
	}
	if got := searchTerms("⭐\ufe0f ☕\ufe0f"); len(got) != 0 {
		t.Errorf("searchTerms(emoji with variation selectors) = %q; want no terms", got)
	}
	for _, other := range [][2]string{{"ビール", "ヒール"}, {"ताला", "तौलिया"}, {"ताला", "त"}} {
		if a, b := searchTerms(other[0]), searchTerms(other[1]); slices.Equal(a, b) {
			t.Errorf("searchTerms(%q) = searchTerms(%q) = %v; want other terms", other[0], other[1], a)
		}
	}
	if got := searchTerms("नीला ताला"); len(got) != 2 {
		t.Errorf("searchTerms(नीला ताला) = %q; want two words (vowel signs are part of their word)", got)
	}
}

// TestCompareNames: names in the order a shopper reads a list: letter
// case and accents aside, then as written.
func TestCompareNames(t *testing.T) {
	names := []string{"Zebra mug", "mug", "Éclair tray", "apple corer", "Mug", "Berry bowl", "eclair"}
	slices.SortFunc(names, compareNames)
	want := []string{"apple corer", "Berry bowl", "eclair", "Éclair tray", "Mug", "mug", "Zebra mug"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted by compareNames: %q; want %q", names, want)
	}
}

// TestCatalogModelSlotOf: a product is found by its ID whether it was in
// the load, added by a change (pending until the next sort) or both; an
// unknown ID is not.
func TestCatalogModelSlotOf(t *testing.T) {
	m := newCatalogModel([]Product{{ID: "b", Name: "B", Active: true}, {ID: "d", Name: "D", Active: true}, {ID: "a", Name: "A"}}, nil)
	m.put(&Product{ID: "c", Name: "C", Active: true}) // not settled: pending
	m.put(&Product{ID: "b", Name: "B2", Active: true})
	for id, want := range map[string]int32{"a": 2, "b": 0, "c": 3, "d": 1} {
		if slot, ok := m.slotOf(id); !ok || slot != want {
			t.Errorf("slotOf(%s) = %d, %v; want %d", id, slot, ok, want)
		}
	}
	m.settle()
	if m.pending != nil {
		t.Errorf("pending after settle = %v; want none", m.pending)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		if _, ok := m.slotOf(id); !ok {
			t.Errorf("slotOf(%s) after settle: not found", id)
		}
	}
	for _, id := range []string{"", "0", "bb", "e"} {
		if slot, ok := m.slotOf(id); ok {
			t.Errorf("slotOf(%q) = %d; want not found", id, slot)
		}
	}
	cart := &Cart{Lines: []CartLine{{ProductID: "c", Quantity: 2}, {ProductID: "gone", Quantity: 5}, {ProductID: "a", Quantity: 1}}}
	if got := m.itemCount(cart); got != 3 {
		t.Errorf("itemCount = %d; want 3 (the unknown line not counted)", got)
	}
}

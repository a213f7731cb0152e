package shop

import (
	"cmp"
	"maps"
	"runtime"
	"slices"
	"sync"
)

// catalogModel is the catalog as one server process holds it in memory:
// every product, the search index over their words, the products in each
// sort order (all of them, and per category), and the categories with
// their counts, so that a catalog page, a search or page 400 costs the
// same at 100,000 products as at 1,000 and reads nothing from the store.
// It is fed by the store's change feed (catalogreader.go); it may lag the
// store by the feed's delay, which listings accept and what a shopper
// commits to (the product page, the cart, the checkout) never relies on.
//
// Products are never deleted from a store (withdrawn ones are inactive),
// so a product keeps its slot for the life of the model.
type catalogModel struct {
	mu       sync.RWMutex
	products []*Product // by slot; each *Product is never modified, only replaced
	// nameKeys are the products' nameKey by slot: the name order folds
	// each name once, not at every comparison of a sort.
	nameKeys []string
	// pending maps the ID of each product added since the ID order was
	// last sorted to its slot; the others' slots are found by binary
	// search of the ID order (slotOf), which costs no memory of its own
	// (a map of every ID took 3.3 MB at 100,000 products).
	pending map[string]int32
	// terms maps a search term to its postings in slot order, dense the
	// frequent terms to theirs as bitmaps (catalogpostings.go); a term is
	// in one map or the other. denseMin is the shortest list made dense.
	terms    map[string][]posting
	dense    map[string]*denseList
	denseMin int
	stems    stemCache // of the words of the products' text
	// categoryIDs holds one copy of each product category's ID string,
	// which every product of the category shares.
	categoryIDs map[string]string
	// categories by name, from the store; their counts come from views.
	categories []Category
	// order holds every slot in each sort order; rank[s][slot] is the
	// slot's position in order[s], the cheap comparison of a search's
	// matches.
	order [sortOrders][]int32
	rank  [sortOrders][]int32
	// listed are the slots of order[s] filtered: [shoppers (active only)
	// or staff (all)][category ID, "" for all]. A view equal to another
	// shares its array (the staff's of a category without inactive
	// products, the staff's of everything, which is order[s]); byID has
	// only the shoppers' view of everything (the sitemap's), and rank has
	// no byID (no listing or search sorts by it).
	listed [2]map[string]*[sortOrders][]int32
	// unsorted marks the sort orders a change has made stale, re-sorted
	// by settle before anyone reads the model again.
	unsorted [sortOrders]bool
	// relisted marks the listed views stale (activity or category changed).
	relisted bool
}

// posting is a slot and whether the term is in the product's name (the
// lowest bit), which ranks it above a match in the description only.
type posting uint32

func newPosting(slot int32, inName bool) posting {
	p := posting(slot) << 1 // #nosec G115 -- slots are 0 or more and below 2^31 (put)
	if inName {
		p |= 1
	}
	return p
}

func (p posting) slot() int32  { return int32(p >> 1) }
func (p posting) inName() bool { return p&1 == 1 }

// The sort orders the model keeps, indexes of catalogModel.order.
const (
	byName = iota
	byPriceAsc
	byPriceDesc
	byNewest
	byID // the sitemap's order
	sortOrders
)

// sortOrderOf is the model's order for a ProductQuery's Sort (relevance
// orders its ties by name).
func sortOrderOf(sortBy string) int {
	switch sortBy {
	case SortPriceAsc:
		return byPriceAsc
	case SortPriceDesc:
		return byPriceDesc
	case SortNewest:
		return byNewest
	}
	return byName
}

// compareProducts orders a and b as sort order s does, ties by ID.
func compareProducts(s int, a, b *Product) int {
	return compareKeyedProducts(s, a, nameKey(a.Name), b, nameKey(b.Name))
}

// compareKeyedProducts is compareProducts given the products' nameKeys,
// which the catalog keeps so that a sort folds each name once.
func compareKeyedProducts(s int, a *Product, keyA string, b *Product, keyB string) int {
	var c int
	switch s {
	case byPriceAsc:
		c = cmp.Compare(a.PriceCents, b.PriceCents)
	case byPriceDesc:
		c = cmp.Compare(b.PriceCents, a.PriceCents)
	case byNewest:
		c = b.CreatedAt.Compare(a.CreatedAt)
	case byID:
		c = 0
	default:
		c = compareNameKeys(a.Name, keyA, b.Name, keyB)
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// newCatalogModel holds products and categories, loaded a batch at a
// time as a start loads them (catalogBuilder).
func newCatalogModel(products []Product, categories []Category) *catalogModel {
	b := newCatalogBuilder()
	for start := 0; start < len(products); start += loadBatch {
		b.add(products[start:min(start+loadBatch, len(products))])
	}
	return b.finish(categories)
}

// loadBatch is how many products a start indexes at a time.
const loadBatch = 8192

// catalogBuilder builds the model of a start from the batches of products
// the store's read hands it, so that a start never holds every product
// twice (a list of all of them and the model), nor every product's words
// at once: the words of a batch are worked out on every core, indexed,
// then dropped. The model keeps the batches' products: a batch must not
// change after add.
type catalogBuilder struct{ m *catalogModel }

func newCatalogBuilder() *catalogBuilder {
	return &catalogBuilder{m: &catalogModel{terms: map[string][]posting{},
		dense: map[string]*denseList{}, denseMin: defaultDenseMin, stems: stemCache{}, categoryIDs: map[string]string{}}}
}

// add indexes a batch of products; of a product read twice the later wins.
func (b *catalogBuilder) add(batch []Product) {
	m := b.m
	words := m.wordsOf(batch)
	for i := range batch {
		p := &batch[i]
		p.Category = m.categoryID(p.Category)
		if _, twice := m.slotOf(p.ID); twice {
			m.put(p)
			continue
		}
		m.indexTerms(m.addSlot(p), words[i].name, words[i].description)
	}
}

// finish sorts and lists what was added, with categories: the model.
func (b *catalogBuilder) finish(categories []Category) *catalogModel {
	m := b.m
	m.clipPostings()
	m.unsortAll()
	m.setCategories(categories)
	m.settle()
	return m
}

// categoryID is id as the model keeps it: one string per category.
func (m *catalogModel) categoryID(id string) string {
	if kept, ok := m.categoryIDs[id]; ok {
		return kept
	}
	m.categoryIDs[id] = id
	return id
}

// productWords are the search terms of a product's name and description.
type productWords struct{ name, description []string }

// wordsOf works out the terms of every product on every core (splitting,
// folding and stemming are most of a start's time), each worker with a
// stem cache of its own, merged into the model's for later changes.
func (m *catalogModel) wordsOf(products []Product) []productWords {
	words := make([]productWords, len(products))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(products)/1000))
	caches := make([]stemCache, workers)
	var wg sync.WaitGroup
	for w := range workers {
		caches[w] = stemCache{}
		wg.Go(func() {
			for i := w; i < len(products); i += workers {
				words[i] = productWords{terms(products[i].Name, false, caches[w]), terms(products[i].Description, false, caches[w])}
			}
		})
	}
	wg.Wait()
	for _, c := range caches {
		maps.Copy(m.stems, c)
	}
	return words
}

// apply changes the model by one batch of the feed and categories (nil:
// unchanged), under the write lock.
func (m *catalogModel) apply(products []Product, categories []Category) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range products {
		p := products[i]
		p.Category = m.categoryID(p.Category)
		m.put(&p)
	}
	if categories != nil {
		m.setCategories(categories)
	}
	m.settle()
}

// put adds p or replaces the product with its ID; the caller settles.
func (m *catalogModel) put(p *Product) {
	slot, known := m.slotOf(p.ID)
	if !known {
		slot = m.addSlot(p)
		m.index(slot, p)
		m.unsortAll()
		m.relisted = true
		return
	}
	old := m.products[slot]
	m.products[slot] = p
	if old.Name != p.Name || old.Description != p.Description {
		m.unindex(slot, old)
		m.index(slot, p)
	}
	if old.Name != p.Name {
		m.nameKeys[slot] = nameKey(p.Name)
		m.unsorted[byName] = true
	}
	if old.PriceCents != p.PriceCents {
		m.unsorted[byPriceAsc], m.unsorted[byPriceDesc] = true, true
	}
	if !old.CreatedAt.Equal(p.CreatedAt) {
		m.unsorted[byNewest] = true
	}
	if old.Active != p.Active || old.Category != p.Category {
		m.relisted = true
	}
}

// slotOf is the slot of the product with id, if the model holds it.
func (m *catalogModel) slotOf(id string) (int32, bool) {
	if slot, ok := m.pending[id]; ok {
		return slot, true
	}
	order := m.order[byID]
	i, found := slices.BinarySearchFunc(order, id, func(slot int32, id string) int { return cmp.Compare(m.products[slot].ID, id) })
	if !found {
		return 0, false
	}
	return order[i], true
}

// addSlot gives p the next slot, pending until the ID order is sorted.
func (m *catalogModel) addSlot(p *Product) int32 {
	slot := int32(len(m.products)) // #nosec G115 -- a catalog is far below 2^31 products
	m.products = append(m.products, p)
	m.nameKeys = append(m.nameKeys, nameKey(p.Name))
	if m.pending == nil {
		m.pending = map[string]int32{}
	}
	m.pending[p.ID] = slot
	return slot
}

// index adds the postings of p's words.
func (m *catalogModel) index(slot int32, p *Product) {
	m.indexTerms(slot, terms(p.Name, false, m.stems), terms(p.Description, false, m.stems))
}

// indexTerms adds the postings of a product's name and description terms.
func (m *catalogModel) indexTerms(slot int32, name, description []string) {
	for _, term := range name {
		m.addPosting(term, newPosting(slot, true))
	}
	for _, term := range description {
		if !slices.Contains(name, term) {
			m.addPosting(term, newPosting(slot, false))
		}
	}
}

// unindex removes the postings of p's words.
func (m *catalogModel) unindex(slot int32, p *Product) {
	for _, text := range []string{p.Name, p.Description} {
		for _, term := range terms(text, false, m.stems) {
			m.removePosting(term, slot)
		}
	}
}

func (m *catalogModel) setCategories(categories []Category) {
	m.categories = slices.Clone(categories)
	slices.SortFunc(m.categories, func(a, b Category) int { return cmp.Or(compareNames(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
}

// unsortAll marks every sort order stale (a product was added).
func (m *catalogModel) unsortAll() {
	for s := range m.unsorted {
		m.unsorted[s] = true
	}
}

// settle re-sorts the stale orders and rebuilds the listed views.
func (m *catalogModel) settle() {
	var wg sync.WaitGroup
	for s := range sortOrders {
		if !m.unsorted[s] && len(m.order[s]) == len(m.products) {
			continue
		}
		m.relisted = true
		wg.Go(func() { m.sortOrder(s) }) // each order its own arrays: on every core
	}
	wg.Wait()
	m.pending = nil // in the ID order now
	if !m.relisted && m.listed[0] != nil {
		return
	}
	m.listed[0], m.listed[1] = m.views()
	m.relisted = false
}

// views builds the listed views of the shoppers and of the staff, each
// array of its exact length, shared where two views are equal.
func (m *catalogModel) views() (shoppers, staff map[string]*[sortOrders][]int32) {
	active, all := map[string]int{}, map[string]int{}
	activeTotal := 0
	for _, p := range m.products {
		all[p.Category]++
		if p.Active {
			active[p.Category]++
			activeTotal++
		}
	}
	isActive := func(p *Product) bool { return p.Active }
	staff = map[string]*[sortOrders][]int32{"": &m.order}
	shoppers = m.byCategory(active, isActive)
	shoppers[""] = &m.order
	if activeTotal < len(m.products) {
		everything := &[sortOrders][]int32{}
		for s := range sortOrders {
			everything[s] = m.filtered(s, activeTotal, isActive)
		}
		shoppers[""] = everything
	}
	// A category's view is the same for the staff unless it holds
	// inactive products.
	withInactive := map[string]int{}
	for category, n := range all {
		if n > active[category] {
			withInactive[category] = n
		} else {
			staff[category] = shoppers[category]
		}
	}
	for category, in := range m.byCategory(withInactive, func(p *Product) bool { return withInactive[p.Category] > 0 }) {
		staff[category] = in
	}
	return shoppers, staff
}

// byCategory is the views of the categories of counts (how many products
// keep says each holds), in every order but byID.
func (m *catalogModel) byCategory(counts map[string]int, keep func(*Product) bool) map[string]*[sortOrders][]int32 {
	views := map[string]*[sortOrders][]int32{}
	for category, n := range counts {
		in := &[sortOrders][]int32{}
		for s := range byID {
			in[s] = make([]int32, 0, n)
		}
		views[category] = in
	}
	for s := range byID {
		for _, slot := range m.order[s] {
			if p := m.products[slot]; keep(p) {
				views[p.Category][s] = append(views[p.Category][s], slot)
			}
		}
	}
	return views
}

// filtered is order s with only the products keep accepts, n of them.
func (m *catalogModel) filtered(s, n int, keep func(*Product) bool) []int32 {
	view := make([]int32, 0, n)
	for _, slot := range m.order[s] {
		if keep(m.products[slot]) {
			view = append(view, slot)
		}
	}
	return view
}

// sortOrder sorts every slot in order s, from the order before (nearly
// sorted after a few changes), new slots at its end, and ranks them.
func (m *catalogModel) sortOrder(s int) {
	order := m.order[s]
	for slot := len(order); slot < len(m.products); slot++ {
		order = append(order, int32(slot)) // #nosec G115 -- slots fit in int32 (put)
	}
	products, keys := m.products, m.nameKeys
	slices.SortFunc(order, func(a, b int32) int { return compareKeyedProducts(s, products[a], keys[a], products[b], keys[b]) })
	m.order[s] = order
	m.unsorted[s] = false
	if s == byID {
		return // no rank: nothing compares by it
	}
	rank := m.rank[s]
	if len(rank) != len(order) {
		rank = make([]int32, len(order))
	}
	for pos, slot := range order {
		rank[slot] = int32(pos) // #nosec G115 -- a position among the slots, below 2^31 (put)
	}
	m.rank[s] = rank
}

// categoriesWithCounts returns the categories with their number of active
// products, under the read lock.
func (m *catalogModel) categoriesWithCounts() []Category {
	m.mu.RLock()
	defer m.mu.RUnlock()
	categories := slices.Clone(m.categories)
	for i := range categories {
		categories[i].ProductCount = 0
		if view := m.listed[0][categories[i].ID]; view != nil {
			categories[i].ProductCount = len(view[byName])
		}
	}
	return categories
}

// categoryName returns the name of category id, under the read lock.
func (m *catalogModel) categoryName(id string) (name string, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range m.categories {
		if m.categories[i].ID == id {
			return m.categories[i].Name, true
		}
	}
	return "", false
}

// lowStock returns the active products with at most atMost in stock, the
// fewest first (FewestInStockFirst).
func (m *catalogModel) lowStock(atMost int) []Product {
	m.mu.RLock()
	defer m.mu.RUnlock()
	low := []Product{}
	for _, p := range m.products {
		if p.Active && p.Stock <= atMost {
			low = append(low, *p)
		}
	}
	slices.SortFunc(low, FewestInStockFirst)
	return low
}

// forSale returns every active product in ID order: a copy of the list,
// so the caller may take its time (a sitemap written to a slow client)
// without holding the model's lock.
func (m *catalogModel) forSale() []*Product {
	m.mu.RLock()
	defer m.mu.RUnlock()
	view := m.listed[0][""][byID]
	products := make([]*Product, len(view))
	for i, slot := range view {
		products[i] = m.products[slot]
	}
	return products
}

// itemCount is how many items cart c holds, counting the lines of products
// the model knows (as the priced cart does: a line of an unknown product
// is not shown).
func (m *catalogModel) itemCount(c *Cart) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, l := range c.Lines {
		if _, ok := m.slotOf(l.ProductID); ok {
			n += l.Quantity
		}
	}
	return n
}

package shop

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
)

// SortRelevance orders a search's matches by how well they match: a word
// found in the name counts nameScore, one found only in the description
// 1; ties by name, then ID. It is the default when searching for words;
// without words it is the name order.
const SortRelevance = "relevance"

// nameScore is what a query word found in a product's name adds to its
// relevance, against 1 for a word found in its description only.
const nameScore = 3

// maxCursorLen bounds the cursor text a client may send: the longest the
// shop hands out, whose product name has MaxProductNameLen characters that
// JSON writes in 6 bytes each (<, > and & as \u003c), with the longest id
// and numbers.
var maxCursorLen = base64.RawURLEncoding.EncodedLen(len(`{"s":"relevance","l":"","r":-9223372036854775808,`+
	`"n":"","p":-9223372036854775808,"c":-9223372036854775808,"i":""}`) + cursorScopeLen + 6*MaxProductNameLen + 64)

// pageCursor is the position after the last product of a page: the sort
// key of that product, so the next page starts right after it however the
// catalog changed meanwhile (keyset pagination). It travels as base64url
// JSON: opaque to clients.
type pageCursor struct {
	Sort string `json:"s"`
	// Scope names the list the cursor walks (cursorScope): a cursor of
	// another search or category is refused rather than starting that
	// list at a place of another. "" in cursors from before it, taken
	// but for the name orders (byNameOrder).
	Scope   string `json:"l,omitempty"`
	Score   int    `json:"r,omitempty"`
	Name    string `json:"n,omitempty"`
	Price   Money  `json:"p,omitempty"`
	Created int64  `json:"c,omitempty"` // UnixNano
	ID      string `json:"i"`
}

// cursorScopeLen is the length of a cursor's Scope.
const cursorScopeLen = 12

// cursorScope names the list q (valid) walks: its search text, category
// and whether withdrawn products are in it, hashed.
func cursorScope(q ProductQuery) string {
	sum := sha256.Sum256([]byte(q.Text + "\x00" + q.Category + "\x00" + strconv.FormatBool(q.IncludeInactive)))
	return base64.RawURLEncoding.EncodeToString(sum[:cursorScopeLen*3/4])
}

func cursorAfter(q ProductQuery, p *Product, score int) string {
	sortBy := q.Sort
	c := pageCursor{Sort: sortBy, Scope: cursorScope(q), ID: p.ID}
	switch sortBy {
	case SortPriceAsc, SortPriceDesc:
		c.Price = p.PriceCents
	case SortNewest:
		c.Created = p.CreatedAt.UnixNano()
	case SortRelevance:
		c.Score, c.Name = score, p.Name
	default:
		c.Name = p.Name
	}
	text, err := json.Marshal(c)
	if err != nil {
		panic(err) // a struct of strings and numbers always marshals
	}
	return base64.RawURLEncoding.EncodeToString(text)
}

// parseCursor reads a cursor of the list q (valid but for its cursor)
// asks for; ok false when it is not one (malformed, too long, of another
// order, search or category).
func parseCursor(text string, q ProductQuery) (c pageCursor, ok bool) {
	if len(text) > maxCursorLen {
		return c, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return c, false
	}
	return c, c.Sort == q.Sort && (c.Scope == cursorScope(q) || c.Scope == "" && !byNameOrder(c.Sort)) && IsID(c.ID)
}

// byNameOrder reports whether sort order sortBy compares names, whose
// order changed when cursors gained their scope (letter case and accents
// aside since): a cursor from before, without a scope, is refused for
// them, as it would skip products.
func byNameOrder(sortBy string) bool { return sortBy == SortName || sortBy == SortRelevance }

// compare orders p (with relevance score) against the cursor's product:
// positive when p comes after it.
func (c *pageCursor) compare(p *Product, score int) int {
	var order int
	switch c.Sort {
	case SortPriceAsc:
		order = cmp.Compare(p.PriceCents, c.Price)
	case SortPriceDesc:
		order = cmp.Compare(c.Price, p.PriceCents)
	case SortNewest:
		order = cmp.Compare(c.Created, p.CreatedAt.UnixNano())
	case SortRelevance:
		order = cmp.Or(cmp.Compare(c.Score, score), compareNames(p.Name, c.Name))
	default:
		order = compareNames(p.Name, c.Name)
	}
	return cmp.Or(order, cmp.Compare(p.ID, c.ID))
}

// catalogAnswer is one page of a catalog query and, for a search, how many
// of its matches each category holds.
type catalogAnswer struct {
	ProductPage
	// CategoryCounts are the search's matches per category ID before the
	// category filter; nil without search words (the category's own count).
	CategoryCounts map[string]int
}

// query answers q (valid, ValidateProductQuery) from the model, starting
// after cursor when it is not nil, under the read lock.
func (m *catalogModel) query(q ProductQuery, cursor *pageCursor) catalogAnswer {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if q.Text == "" {
		return catalogAnswer{ProductPage: m.listing(q, cursor)}
	}
	return m.search(q, cursor)
}

// listing is a page of one category's (or every) product in sort order:
// a slice of a view, found by offset or by binary search for a cursor.
func (m *catalogModel) listing(q ProductQuery, cursor *pageCursor) ProductPage {
	var view []int32
	if views := m.listed[staffView(q)][q.Category]; views != nil {
		view = views[sortOrderOf(q.Sort)]
	}
	start := (q.Page - 1) * q.PerPage
	if cursor != nil {
		start = sort.Search(len(view), func(i int) bool { return cursor.compare(m.products[view[i]], 0) > 0 })
	}
	page := ProductPage{Total: len(view), Items: []Product{}}
	if start >= len(view) {
		return page
	}
	end := min(start+q.PerPage, len(view))
	for _, slot := range view[start:end] {
		page.Items = append(page.Items, *m.products[slot])
	}
	if end < len(view) {
		page.Next = cursorAfter(q, m.products[view[end-1]], 0)
	}
	return page
}

// match is a product matching every word of a search, with its relevance.
type match struct {
	slot  int32
	score int
}

// search finds the products holding every query word, counts them per
// category, and pages them in q.Sort's order.
func (m *catalogModel) search(q ProductQuery, cursor *pageCursor) catalogAnswer {
	answer := catalogAnswer{ProductPage: ProductPage{Items: []Product{}}, CategoryCounts: map[string]int{}}
	var matches []match
	for _, found := range m.matchAll(queryTerms(q.Text)) {
		p := m.products[found.slot]
		if !p.Active && !q.IncludeInactive {
			continue
		}
		answer.CategoryCounts[p.Category]++
		if q.Category == "" || p.Category == q.Category {
			matches = append(matches, found)
		}
	}
	s := sortOrderOf(q.Sort)
	if q.Sort == SortRelevance {
		slices.SortFunc(matches, func(a, b match) int {
			return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(m.rank[byName][a.slot], m.rank[byName][b.slot]))
		})
	} else {
		slices.SortFunc(matches, func(a, b match) int { return cmp.Compare(m.rank[s][a.slot], m.rank[s][b.slot]) })
	}
	answer.Total = len(matches)
	start := (q.Page - 1) * q.PerPage
	if cursor != nil {
		start = sort.Search(len(matches), func(i int) bool {
			return cursor.compare(m.products[matches[i].slot], matches[i].score) > 0
		})
	}
	if start >= len(matches) {
		return answer
	}
	end := min(start+q.PerPage, len(matches))
	for _, found := range matches[start:end] {
		answer.Items = append(answer.Items, *m.products[found.slot])
	}
	if end < len(matches) {
		last := matches[end-1]
		answer.Next = cursorAfter(q, m.products[last.slot], last.score)
	}
	return answer
}

// matchAll returns the slots whose products hold every term, with their
// relevance: the shortest postings, each of its slots looked up in the
// others (by binary search in a list, by its bit in bitmaps).
func (m *catalogModel) matchAll(terms []string) []match {
	if len(terms) == 0 {
		return nil
	}
	lists := make([]postings, len(terms))
	for i, term := range terms {
		if lists[i] = m.postingsOf(term); lists[i].len() == 0 {
			return nil
		}
	}
	slices.SortFunc(lists, func(a, b postings) int { return cmp.Compare(a.len(), b.len()) })
	var found []match
	lists[0].each(func(first posting) {
		found1 := match{slot: first.slot(), score: postingScore(first)}
		for _, list := range lists[1:] {
			p, ok := list.find(found1.slot)
			if !ok {
				return
			}
			found1.score += postingScore(p)
		}
		found = append(found, found1)
	})
	return found
}

func postingScore(p posting) int {
	if p.inName() {
		return nameScore
	}
	return 1
}

// staffView is the index of catalogModel.listed that q reads.
func staffView(q ProductQuery) int {
	if q.IncludeInactive {
		return 1
	}
	return 0
}

package shop

import (
	"cmp"
	"math/bits"
	"slices"
)

// The postings of a term are the slots of the products holding it. Most
// terms are rare and keep them as a sorted list of slots (4 bytes each);
// a term held by a good share of the catalog keeps them as bitmaps over
// the slots instead (2 bits each: holds the term, holds it in the name),
// which is smaller from one product in 16 up. Real text makes such terms:
// English stop words ("the", "with", "for") and a catalog's stock phrases
// are in nearly every product. At 100,000 generated products the lists
// held 3.2 million postings (12.8 MB), 2.7 million of them in 71 terms;
// as bitmaps those take 1.9 MB.

// denseShare is the share of the catalog's products (1 in denseShare)
// from which a term's list becomes bitmaps, and defaultDenseMin the
// length it must have as well (catalogModel.denseMin), so that small
// catalogs and rare words keep lists.
const (
	denseShare      = 16
	defaultDenseMin = 256
)

// denseList is the postings of a frequent term: bit slot%64 of word
// slot/64 of has is set when the product of slot holds the term, of name
// when its name does. Both are as long as the highest slot set needs.
type denseList struct {
	has, name []uint64
	n         int // how many bits of has are set
}

func (d *denseList) add(p posting) {
	slot := p.slot()
	w, bit := int(slot/64), uint64(1)<<(slot%64)
	if w >= len(d.has) {
		d.has = append(d.has, make([]uint64, w+1-len(d.has))...)
		d.name = append(d.name, make([]uint64, w+1-len(d.name))...)
	}
	if d.has[w]&bit == 0 {
		d.n++
	}
	d.has[w] |= bit
	if p.inName() {
		d.name[w] |= bit
	}
}

// remove clears slot's bits; it reports whether the list is empty.
func (d *denseList) remove(slot int32) bool {
	w, bit := int(slot/64), uint64(1)<<(slot%64)
	if w < len(d.has) && d.has[w]&bit != 0 {
		d.has[w] &^= bit
		d.name[w] &^= bit
		d.n--
	}
	return d.n == 0
}

// find is the posting of slot, if the list holds it.
func (d *denseList) find(slot int32) (posting, bool) {
	w, bit := int(slot/64), uint64(1)<<(slot%64)
	if w >= len(d.has) || d.has[w]&bit == 0 {
		return 0, false
	}
	return newPosting(slot, d.name[w]&bit != 0), true
}

// each calls fn with every posting in slot order.
func (d *denseList) each(fn func(posting)) {
	for w, word := range d.has {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &= word - 1
			slot := int32(w*64 + b) // #nosec G115 -- below the number of slots, which fits in int32 (put)
			fn(newPosting(slot, d.name[w]&(1<<b) != 0))
		}
	}
}

// postings is one term's postings, either form.
type postings struct {
	list  []posting // in slot order, when dense is nil
	dense *denseList
}

func (l postings) len() int {
	if l.dense != nil {
		return l.dense.n
	}
	return len(l.list)
}

func (l postings) find(slot int32) (posting, bool) {
	if l.dense != nil {
		return l.dense.find(slot)
	}
	i, found := slices.BinarySearchFunc(l.list, slot, func(p posting, slot int32) int { return cmp.Compare(p.slot(), slot) })
	if !found {
		return 0, false
	}
	return l.list[i], true
}

func (l postings) each(fn func(posting)) {
	if l.dense != nil {
		l.dense.each(fn)
		return
	}
	for _, p := range l.list {
		fn(p)
	}
}

// postingsOf is term's postings; len 0 when no product holds it.
func (m *catalogModel) postingsOf(term string) postings {
	if d := m.dense[term]; d != nil {
		return postings{dense: d}
	}
	return postings{list: m.terms[term]}
}

// addPosting adds p to term's postings, which become bitmaps once they
// are long enough (denseShare, catalogModel.denseMin).
func (m *catalogModel) addPosting(term string, p posting) {
	if d := m.dense[term]; d != nil {
		d.add(p)
		return
	}
	list := m.terms[term]
	if n := len(list); n == 0 || list[n-1].slot() < p.slot() {
		list = append(list, p) // the usual case: a new product has the highest slot
	} else {
		i, found := slices.BinarySearchFunc(list, p.slot(), func(q posting, slot int32) int { return cmp.Compare(q.slot(), slot) })
		if found {
			list[i] |= p & 1
			return
		}
		list = slices.Insert(list, i, p)
	}
	if len(list) < m.denseMin || len(list)*denseShare < len(m.products) {
		m.terms[term] = list
		return
	}
	d := &denseList{}
	for _, q := range list {
		d.add(q)
	}
	delete(m.terms, term)
	m.dense[term] = d
}

// removePosting removes slot from term's postings, and the term when no
// product holds it any more.
func (m *catalogModel) removePosting(term string, slot int32) {
	if d := m.dense[term]; d != nil {
		if d.remove(slot) {
			delete(m.dense, term)
		}
		return
	}
	list := m.terms[term]
	i, found := slices.BinarySearchFunc(list, slot, func(p posting, slot int32) int { return cmp.Compare(p.slot(), slot) })
	if !found {
		return
	}
	if list = slices.Delete(list, i, i+1); len(list) == 0 {
		delete(m.terms, term)
	} else {
		m.terms[term] = list
	}
}

// clipPostings gives every list and bitmap of postings the capacity of
// its length: after a load, what appending left spare (a tenth of the
// lists, up to half of a bitmap) is freed.
func (m *catalogModel) clipPostings() {
	for term, list := range m.terms {
		if cap(list) > len(list) {
			m.terms[term] = slices.Clone(list)
		}
	}
	for _, d := range m.dense {
		if cap(d.has) > len(d.has) {
			d.has, d.name = slices.Clone(d.has), slices.Clone(d.name)
		}
	}
}

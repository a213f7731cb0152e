package loadtest

import (
	"encoding/csv"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strconv"
	"strings"
)

// catalogCategories are the generated catalog's categories, each with the
// kinds of product it sells. A product's name ends with its kind, so a
// search for a kind ("kettle") matches about 1 product in
// len(categories)*6 by name, and more by description (the related kinds a
// description mentions, in the plural).
var catalogCategories = []struct {
	id    string
	kinds []string
}{
	{"kitchen", []string{"kettle", "skillet", "teapot", "colander", "whisk", "grater"}},
	{"tableware", []string{"plate", "bowl", "mug", "tumbler", "platter", "pitcher"}},
	{"outdoor", []string{"tent", "lantern", "hammock", "backpack", "canteen", "tarp"}},
	{"garden", []string{"trowel", "planter", "hose", "pruner", "watering-can", "rake"}},
	{"office", []string{"notebook", "stapler", "organizer", "lamp", "pen", "binder"}},
	{"home", []string{"blanket", "cushion", "vase", "candle", "clock", "mirror"}},
	{"bath", []string{"towel", "robe", "soap-dish", "bath-mat", "caddy", "tray"}},
	{"audio", []string{"speaker", "headphones", "turntable", "amplifier", "radio", "earbuds"}},
	{"apparel", []string{"jacket", "sweater", "scarf", "beanie", "shirt", "socks"}},
	{"footwear", []string{"boots", "sneakers", "sandals", "slippers", "loafers", "clogs"}},
	{"travel", []string{"suitcase", "duffel", "passport-wallet", "pillow", "toiletry-bag", "luggage-tag"}},
	{"toys", []string{"puzzle", "kite", "robot", "train-set", "yo-yo", "building-blocks"}},
	{"books", []string{"cookbook", "atlas", "field-guide", "journal", "sketchbook", "almanac"}},
	{"sports", []string{"racket", "yoga-mat", "dumbbell", "jump-rope", "football", "water-bottle"}},
	{"pets", []string{"leash", "pet-bed", "feeder", "collar", "scratching-post", "chew-toy"}},
	{"tools", []string{"hammer", "screwdriver", "wrench", "level", "toolbox", "tape-measure"}},
}

var (
	catalogAdjectives = []string{"Classic", "Rustic", "Modern", "Compact", "Heavy-Duty", "Lightweight", "Everyday",
		"Vintage", "Handmade", "Folding", "Deluxe", "Essential", "Nordic", "Coastal", "Urban", "Alpine", "Minimal",
		"Sturdy", "Portable", "Soft", "Bold", "Quiet", "Smart", "Original", "Weekend", "Studio", "Heritage",
		"Crème", "Café", "Señor"}
	catalogMaterials = []string{"Oak", "Walnut", "Bamboo", "Cotton", "Linen", "Wool", "Leather", "Canvas", "Steel",
		"Copper", "Brass", "Ceramic", "Stoneware", "Glass", "Enamel", "Cast-Iron", "Aluminum", "Cork", "Felt",
		"Recycled", "Organic", "Merino", "Porcelain", "Slate"}
	catalogColors = []string{"Sage", "Charcoal", "Ivory", "Navy", "Terracotta", "Mustard", "Forest", "Sand",
		"Slate Blue", "Blush", "Olive", "Graphite"}
	catalogUses = []string{"everyday use", "small kitchens", "long weekends", "the home office", "camping trips",
		"gifts", "busy mornings", "rainy days", "city apartments", "family dinners", "the workshop", "travel"}
	catalogFeatures = []string{"a reinforced base", "double stitching", "a matte finish", "rounded edges",
		"a non-slip grip", "a lifetime guarantee", "a removable cover", "hand-finished details", "a water-resistant coating",
		"a slim profile", "replaceable parts", "a brushed texture"}
)

// GenerateCatalog writes a catalog CSV file (the header of storefront
// catalog import, then n products) on w. It is deterministic for a seed.
// The text reads like a shop's: names "Adjective Material Kind" with a
// color or model for variety, descriptions of three sentences naming the
// kind, its material, a feature, what it suits and related kinds of its
// category in the plural (so stemmed search has work to do), and a few
// accented words. Prices run from $2 to $500; stock from 200 to 5,000, with
// about 2% sold out and 3% nearly so.
func GenerateCatalog(w io.Writer, n int, seed uint64) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "name", "description", "category", "price_cents", "stock", "active"}); err != nil {
		return err
	}
	rng := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) // #nosec G404 -- test data, the same for a seed
	for i := range n {
		cat := catalogCategories[rng.IntN(len(catalogCategories))]
		kind := cat.kinds[rng.IntN(len(cat.kinds))]
		kindWords := strings.ReplaceAll(kind, "-", " ")
		adj := catalogAdjectives[rng.IntN(len(catalogAdjectives))]
		mat := catalogMaterials[rng.IntN(len(catalogMaterials))]
		name := fmt.Sprintf("%s %s %s", adj, strings.ReplaceAll(mat, "-", " "), titleWords(kindWords))
		switch rng.IntN(3) {
		case 0:
			name += ", " + catalogColors[rng.IntN(len(catalogColors))]
		case 1:
			letter := rng.IntN(26)
			name += fmt.Sprintf(" %s%d", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[letter:letter+1], 100+rng.IntN(900))
		}
		other := cat.kinds[rng.IntN(len(cat.kinds))]
		desc := fmt.Sprintf("A %s %s in %s, made for %s. It has %s and pairs well with our %s. "+
			"Wipe clean with a damp cloth; every piece is checked by hand before it ships.",
			strings.ToLower(adj), kindWords, strings.ToLower(strings.ReplaceAll(mat, "-", " ")),
			catalogUses[rng.IntN(len(catalogUses))], catalogFeatures[rng.IntN(len(catalogFeatures))],
			plural(strings.ReplaceAll(other, "-", " ")))
		price := 200 + rng.IntN(49800)
		price -= price % 100
		price += []int{0, 50, 95, 99}[rng.IntN(4)]
		stock := 200 + rng.IntN(4800)
		switch r := rng.IntN(100); {
		case r < 2:
			stock = 0
		case r < 5:
			stock = 1 + rng.IntN(3)
		}
		id := fmt.Sprintf("%s-%06d", kind, i+1)
		if err := cw.Write([]string{id, name, desc, cat.id, strconv.Itoa(price), strconv.Itoa(stock), "true"}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func titleWords(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// plural is the English plural of the simple nouns of the kinds.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "s"):
		return s
	case strings.HasSuffix(s, "sh"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "x"):
		return s + "es"
	case strings.HasSuffix(s, "y") && !strings.ContainsAny(s[len(s)-2:len(s)-1], "aeiou"):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

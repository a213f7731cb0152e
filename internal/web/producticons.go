package web

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"storefront/internal/shop"
)

// The generated picture shows what the product is: iconFor picks an icon
// by the words of its name (a task lamp shows a lamp, a carafe a bottle),
// and only when no word names one, by its category. Each icon is drawn
// centered on the origin, within about 70 units of it, in the palette's
// ink, with accent and plate for details.

// productIcon is a drawing and the words that call for it.
type productIcon struct {
	Name     string
	Keywords []string
	draw     func(d iconDrawer)
}

// iconDrawer writes an icon's shapes, each with one of the palette's
// colors given as "ink", "accent" or "plate".
type iconDrawer struct {
	b   *bytes.Buffer
	pal svgPalette
}

func (d iconDrawer) color(name string) string {
	switch name {
	case "accent":
		return d.pal.accent
	case "plate":
		return d.pal.plate
	}
	return d.pal.ink
}

// fill writes an element filled with a palette color: the element's name
// and attributes, such as `rect x="-10" y="-10" width="20" height="20"`.
func (d iconDrawer) fill(color, element string) {
	fmt.Fprintf(d.b, `<%s fill="%s"/>`, element, d.color(color))
}

// stroke writes an outline of width in a palette color.
func (d iconDrawer) stroke(color string, width int, element string) {
	fmt.Fprintf(d.b, `<%s fill="none" stroke="%s" stroke-width="%d" stroke-linecap="round" stroke-linejoin="round"/>`,
		element, d.color(color), width)
}

// productIcons are the icons chosen by a word of the product's name.
var productIcons = []productIcon{
	{"kettle", []string{"kettle", "teapot"}, drawKettle},
	{"skillet", []string{"skillet", "pan", "wok"}, func(d iconDrawer) {
		d.fill("ink", `circle cx="-14" cy="0" r="46"`)
		d.fill("accent", `circle cx="-14" cy="0" r="32"`)
		d.fill("ink", `rect x="28" y="-8" width="48" height="16" rx="8"`)
	}},
	{"knife", []string{"knife", "knives", "cleaver"}, func(d iconDrawer) {
		d.fill("ink", `path d="M-66 18 L34 -30 Q56 -36 60 -26 L-54 34 Z"`)
		d.fill("accent", `rect x="32" y="-42" width="40" height="14" rx="6" transform="rotate(-25 52 -35)"`)
	}},
	{"utensils", []string{"spoon", "spoons", "spork", "fork", "spatula", "ladle", "utensils"}, func(d iconDrawer) {
		d.fill("ink", `ellipse cx="-22" cy="-36" rx="14" ry="22"`)
		d.fill("ink", `rect x="-26" y="-16" width="8" height="74" rx="4"`)
		d.fill("accent", `ellipse cx="22" cy="-36" rx="14" ry="22"`)
		d.fill("accent", `rect x="18" y="-16" width="8" height="74" rx="4"`)
	}},
	{"bowl", []string{"bowl", "bowls", "dish"}, func(d iconDrawer) {
		d.fill("ink", `path d="M-66 -14 H66 Q62 46 0 50 Q-62 46 -66 -14 Z"`)
		d.fill("accent", `rect x="-70" y="-22" width="140" height="12" rx="6"`)
		d.fill("plate", `rect x="-30" y="14" width="60" height="8" rx="4"`)
	}},
	{"cup", []string{"mug", "cup", "dripper", "coffee"}, func(d iconDrawer) {
		d.stroke("ink", 10, `path d="M30 -14 Q62 -12 58 14 Q54 34 28 30"`)
		d.fill("ink", `path d="M-48 -34 H40 L32 44 Q30 52 20 52 H-28 Q-38 52 -40 44 Z"`)
		d.fill("accent", `rect x="-44" y="-22" width="80" height="10"`)
	}},
	{"board", []string{"board", "tray"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-64" y="-40" width="112" height="84" rx="10"`)
		d.fill("ink", `circle cx="58" cy="2" r="16"`)
		d.fill("plate", `circle cx="58" cy="2" r="6"`)
		d.stroke("accent", 5, `path d="M-48 -20 H30 M-48 0 H30 M-48 20 H30"`)
	}},
	{"textile", []string{"towel", "towels", "blanket", "rug", "wraps", "mat", "throw"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-62" y="-44" width="124" height="88" rx="8"`)
		d.stroke("accent", 8, `path d="M-62 -18 H62 M-62 18 H62"`)
		d.stroke("plate", 3, `path d="M-52 44 V56 M-32 44 V56 M-12 44 V56 M8 44 V56 M28 44 V56 M48 44 V56"`)
	}},
	{"pillow", []string{"pillow", "cushion"}, func(d iconDrawer) {
		d.fill("ink", `path d="M-60 -40 Q0 -28 60 -40 Q48 0 60 40 Q0 28 -60 40 Q-48 0 -60 -40 Z"`)
		d.fill("accent", `circle cx="0" cy="0" r="10"`)
	}},
	{"backpack", []string{"daypack", "backpack", "rucksack"}, func(d iconDrawer) {
		d.stroke("ink", 9, `path d="M-20 -44 Q0 -66 20 -44"`)
		d.fill("ink", `rect x="-44" y="-46" width="88" height="104" rx="22"`)
		d.fill("accent", `rect x="-30" y="10" width="60" height="34" rx="8"`)
		d.fill("plate", `rect x="-20" y="-24" width="40" height="8" rx="4"`)
	}},
	{"bag", []string{"tote", "bag", "basket"}, func(d iconDrawer) {
		d.stroke("ink", 8, `path d="M-26 -16 V-40 Q0 -64 26 -40 V-16"`)
		d.fill("ink", `path d="M-56 -20 H56 L48 56 H-48 Z"`)
		d.fill("accent", `rect x="-40" y="2" width="80" height="10" rx="5"`)
	}},
	{"lantern", []string{"lantern"}, func(d iconDrawer) {
		d.stroke("ink", 7, `path d="M-16 -50 Q0 -68 16 -50"`)
		d.fill("ink", `rect x="-34" y="-50" width="68" height="14" rx="5"`)
		d.fill("accent", `rect x="-26" y="-36" width="52" height="72" rx="10"`)
		d.stroke("ink", 6, `path d="M-26 -20 V20 M26 -20 V20"`)
		d.fill("ink", `rect x="-38" y="36" width="76" height="16" rx="5"`)
	}},
	{"lamp", []string{"lamp", "light"}, func(d iconDrawer) {
		d.fill("accent", `path d="M-44 -8 L-24 -60 H24 L44 -8 Z"`)
		d.fill("ink", `rect x="-6" y="-8" width="12" height="52" rx="4"`)
		d.fill("ink", `rect x="-40" y="42" width="80" height="14" rx="7"`)
		d.fill("plate", `rect x="-30" y="-16" width="60" height="6" rx="3"`)
	}},
	{"bottle", []string{"bottle", "carafe", "flask", "jug", "decanter"}, func(d iconDrawer) {
		d.fill("ink", `path d="M-12 -62 H12 V-36 Q38 -22 38 6 V50 Q38 58 30 58 H-30 Q-38 58 -38 50 V6 Q-38 -22 -12 -36 Z"`)
		d.fill("accent", `rect x="-16" y="-70" width="32" height="12" rx="4"`)
		d.fill("plate", `rect x="-24" y="8" width="10" height="38" rx="5"`)
	}},
	{"hammock", []string{"hammock"}, func(d iconDrawer) {
		d.stroke("ink", 8, `path d="M-62 -52 V56 M62 -52 V56"`)
		d.stroke("accent", 14, `path d="M-62 -30 Q0 50 62 -30"`)
		d.stroke("ink", 4, `path d="M-62 -30 Q0 30 62 -30"`)
	}},
	{"tent", []string{"tent", "shelter"}, func(d iconDrawer) {
		d.fill("ink", `polygon points="0,-56 70,48 -70,48"`)
		d.fill("accent", `polygon points="0,-20 24,48 -24,48"`)
		d.stroke("ink", 5, `path d="M0 -56 V-68"`)
	}},
	{"stool", []string{"stool", "chair", "seat", "bench"}, func(d iconDrawer) {
		d.fill("accent", `rect x="-50" y="-34" width="100" height="16" rx="6"`)
		d.stroke("ink", 9, `path d="M-40 -18 L30 52 M40 -18 L-30 52"`)
	}},
	{"notebook", []string{"notebook", "journal", "notepad", "planner"}, drawNotebook},
	{"pen", []string{"pen", "pencil", "pencils", "marker"}, func(d iconDrawer) {
		for i, x := range []int{-32, 0, 32} {
			color := "ink"
			if i == 1 {
				color = "accent"
			}
			d.fill(color, fmt.Sprintf(`rect x="%d" y="-52" width="16" height="84" rx="3"`, x-8))
			d.fill(color, fmt.Sprintf(`polygon points="%d,32 %d,32 %d,56"`, x-8, x+8, x))
		}
	}},
	{"organizer", []string{"organizer", "box", "caddy", "crate"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-60" y="-10" width="120" height="62" rx="6"`)
		d.fill("accent", `rect x="-44" y="-48" width="8" height="46" rx="3" transform="rotate(-10 -40 -4)"`)
		d.fill("plate", `rect x="-14" y="-40" width="10" height="38" rx="3"`)
		d.fill("accent", `rect x="20" y="-30" width="26" height="28" rx="3"`)
		d.stroke("plate", 4, `path d="M-10 -10 V52 M16 -10 V52"`)
	}},
	{"shelf", []string{"shelf", "shelves", "riser"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-66" y="-4" width="132" height="16" rx="4"`)
		d.fill("ink", `rect x="-52" y="12" width="12" height="42"`)
		d.fill("ink", `rect x="40" y="12" width="12" height="42"`)
		d.fill("accent", `rect x="-44" y="-46" width="30" height="42" rx="3"`)
		d.fill("accent", `circle cx="26" cy="-22" r="18"`)
	}},
	{"keyboard", []string{"keyboard", "keypad"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-70" y="-32" width="140" height="64" rx="10"`)
		for y := -20; y <= 4; y += 12 {
			for x := -58; x <= 46; x += 15 {
				d.fill("plate", fmt.Sprintf(`rect x="%d" y="%d" width="11" height="9" rx="2"`, x, y))
			}
		}
		d.fill("accent", `rect x="-40" y="17" width="80" height="8" rx="3"`)
	}},
	{"candle", []string{"candle", "candles"}, func(d iconDrawer) {
		d.fill("accent", `path d="M0 -66 Q16 -44 0 -30 Q-16 -44 0 -66 Z"`)
		d.stroke("ink", 4, `path d="M0 -30 V-20"`)
		d.fill("ink", `rect x="-36" y="-20" width="72" height="76" rx="10"`)
		d.fill("plate", `rect x="-24" y="6" width="48" height="22" rx="4"`)
	}},
	{"plant", []string{"planter", "plant", "vase"}, func(d iconDrawer) {
		d.fill("accent", `path d="M0 -8 Q-46 -22 -44 -64 Q-6 -52 0 -8 Z"`)
		d.fill("accent", `path d="M0 -8 Q46 -22 44 -64 Q6 -52 0 -8 Z"`)
		d.fill("ink", `path d="M-44 -6 H44 L34 56 H-34 Z"`)
		d.fill("plate", `rect x="-44" y="4" width="88" height="8"`)
	}},
	{"clock", []string{"clock", "watch", "timer"}, func(d iconDrawer) {
		d.fill("ink", `circle cx="0" cy="0" r="60"`)
		d.fill("plate", `circle cx="0" cy="0" r="48"`)
		d.stroke("ink", 7, `path d="M0 0 V-34 M0 0 L24 14"`)
		d.fill("accent", `circle cx="0" cy="0" r="7"`)
	}},
	{"headphones", []string{"headphones", "headphone", "headset", "earbuds", "earphones"}, drawHeadphones},
	{"speaker", []string{"speaker", "speakers", "soundbar"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-40" y="-62" width="80" height="124" rx="10"`)
		d.fill("plate", `circle cx="0" cy="-30" r="14"`)
		d.fill("plate", `circle cx="0" cy="22" r="26"`)
		d.fill("accent", `circle cx="0" cy="22" r="10"`)
	}},
	{"turntable", []string{"turntable", "record", "vinyl"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-70" y="-50" width="140" height="100" rx="10"`)
		d.fill("plate", `circle cx="-14" cy="0" r="38"`)
		d.fill("accent", `circle cx="-14" cy="0" r="12"`)
		d.stroke("accent", 6, `path d="M48 -36 V10 L30 24"`)
	}},
	{"cable", []string{"cable", "cables", "cord", "ties"}, func(d iconDrawer) {
		d.stroke("ink", 9, `path d="M-66 30 Q-40 -50 -10 0 Q20 50 40 -10 Q52 -44 66 -30"`)
		d.fill("accent", `rect x="-26" y="-10" width="16" height="26" rx="4" transform="rotate(-30 -18 3)"`)
		d.fill("accent", `rect x="26" y="-6" width="16" height="26" rx="4" transform="rotate(20 34 7)"`)
	}},
	{"microphone", []string{"microphone", "mic"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-22" y="-66" width="44" height="76" rx="22"`)
		d.stroke("plate", 4, `path d="M-22 -40 H22 M-22 -26 H22"`)
		d.stroke("accent", 7, `path d="M-36 -8 Q-36 30 0 30 Q36 30 36 -8 M0 30 V56 M-24 56 H24"`)
	}},
	{"socks", []string{"socks", "sock"}, func(d iconDrawer) {
		d.fill("ink", `path d="M-24 -60 H8 V16 Q8 46 -20 46 H-52 Q-66 46 -66 32 Q-66 18 -50 16 L-24 12 Z"`)
		d.fill("accent", `path d="M24 -50 H56 V26 Q56 56 28 56 H-4 Q-18 56 -18 42 Q-18 28 -2 26 L24 22 Z"`)
		d.fill("plate", `rect x="-24" y="-52" width="32" height="8"`)
	}},
	{"shirt", []string{"shirt", "tee", "sweater", "jumper", "hoodie", "jacket", "shell", "coat"}, drawShirt},
	{"hat", []string{"beanie", "hat", "cap"}, func(d iconDrawer) {
		d.fill("accent", `circle cx="0" cy="-54" r="12"`)
		d.fill("ink", `path d="M-56 20 Q-56 -46 0 -46 Q56 -46 56 20 Z"`)
		d.fill("accent", `rect x="-62" y="14" width="124" height="28" rx="8"`)
		d.stroke("plate", 4, `path d="M-40 24 V34 M-20 24 V34 M0 24 V34 M20 24 V34 M40 24 V34"`)
	}},
	{"belt", []string{"belt"}, func(d iconDrawer) {
		d.fill("ink", `rect x="-70" y="-12" width="140" height="24" rx="6"`)
		d.stroke("accent", 8, `rect x="-22" y="-26" width="40" height="52" rx="8"`)
		d.stroke("accent", 6, `path d="M-2 0 H24"`)
	}},
	{"apron", []string{"apron"}, func(d iconDrawer) {
		d.stroke("ink", 6, `path d="M-20 -46 Q0 -72 20 -46 M-34 -6 L-66 6 M34 -6 L66 6"`)
		d.fill("ink", `path d="M-26 -46 H26 V-10 L40 -4 L36 58 H-36 L-40 -4 L-26 -10 Z"`)
		d.fill("accent", `rect x="-20" y="12" width="40" height="24" rx="4"`)
	}},
}

// categoryIcons draw the demo categories, for products whose name names
// no icon.
var categoryIcons = map[string]productIcon{
	"kitchen": {"kettle", []string{"kitchen"}, drawKettle},
	"outdoor": {"mountains", []string{"outdoor"}, func(d iconDrawer) {
		d.fill("accent", `circle cx="34" cy="-36" r="18"`)
		d.fill("ink", `polygon points="-72,46 -22,-34 14,22 36,-6 76,46"`)
		d.fill("plate", `polygon points="-22,-34 -34,-15 -26,-18 -21,-9 -15,-18 -9,-14"`)
	}},
	"office":  {"notebook", []string{"office"}, drawNotebook},
	"home":    {"house", []string{"home"}, drawHouse},
	"audio":   {"headphones", []string{"audio"}, drawHeadphones},
	"apparel": {"shirt", []string{"apparel"}, drawShirt},
}

// tagIcon is the last resort: a price tag.
var tagIcon = productIcon{"tag", nil, func(d iconDrawer) {
	d.fill("ink", `path d="M-50 -40 L20 -40 L60 0 L20 40 L-50 40 Z"`)
	d.fill("plate", `circle cx="22" cy="0" r="9"`)
	d.fill("accent", `rect x="-36" y="-8" width="40" height="16" rx="8"`)
}}

// iconKeywords maps each keyword to its icon, built once.
var iconKeywords = func() map[string]productIcon {
	m := map[string]productIcon{}
	for _, icon := range productIcons {
		for _, k := range icon.Keywords {
			m[k] = icon
		}
	}
	return m
}()

// iconFor returns p's icon and the word that chose it: the last word of
// the name that names an icon (English names end with what the thing is:
// "Adjustable Task Lamp", "Walnut Headphone Stand"), else the category's
// icon (the word is the category id), else the price tag ("").
func iconFor(p shop.Product) (productIcon, string) {
	words := strings.FieldsFunc(strings.ToLower(p.Name), func(r rune) bool { return !unicode.IsLetter(r) })
	for i := len(words) - 1; i >= 0; i-- {
		if icon, ok := iconKeywords[words[i]]; ok {
			return icon, words[i]
		}
	}
	if icon, ok := categoryIcons[p.Category]; ok {
		return icon, p.Category
	}
	return tagIcon, ""
}

func drawKettle(d iconDrawer) {
	d.stroke("ink", 9, `path d="M-35 -22 Q0 -78 35 -22"`)
	d.fill("ink", `path d="M44 8 L76 -18 L74 -6 L50 28 Z"`)
	d.fill("ink", `path d="M-52 40 Q-56 -22 0 -26 Q56 -22 52 40 Z"`)
	d.fill("accent", `rect x="-40" y="2" width="80" height="10" rx="5"`)
	d.fill("accent", `circle cx="0" cy="-32" r="9"`)
	d.fill("accent", `rect x="-58" y="38" width="116" height="9" rx="4.5"`)
}

func drawNotebook(d iconDrawer) {
	d.fill("ink", `rect x="-50" y="-56" width="82" height="108" rx="7"`)
	d.fill("accent", `rect x="-50" y="-56" width="14" height="108" rx="5"`)
	d.stroke("plate", 4, `path d="M-26 -34 H20 M-26 -19 H20 M-26 -4 H20 M-26 11 H20 M-26 26 H20"`)
	d.fill("accent", `rect x="45" y="-56" width="14" height="80" rx="2" transform="rotate(24 52 -4)"`)
}

func drawHouse(d iconDrawer) {
	d.fill("ink", `rect x="26" y="-52" width="13" height="30"`)
	d.fill("accent", `polygon points="-64,-4 0,-60 64,-4"`)
	d.fill("ink", `rect x="-48" y="-8" width="96" height="60"`)
	d.fill("accent", `rect x="-13" y="18" width="26" height="34" rx="3"`)
	d.fill("plate", `rect x="-38" y="4" width="17" height="17"`)
	d.fill("plate", `rect x="22" y="4" width="17" height="17"`)
}

func drawHeadphones(d iconDrawer) {
	d.stroke("ink", 10, `path d="M-50 18 V4 A50 50 0 0 1 50 4 V18"`)
	d.fill("ink", `rect x="-66" y="6" width="28" height="48" rx="11"`)
	d.fill("ink", `rect x="38" y="6" width="28" height="48" rx="11"`)
	d.fill("accent", `rect x="-58" y="15" width="12" height="30" rx="6"`)
	d.fill("accent", `rect x="46" y="15" width="12" height="30" rx="6"`)
}

func drawShirt(d iconDrawer) {
	d.fill("ink", `path d="M-24 -50 L-66 -30 L-52 2 L-38 -6 L-38 54 L38 54 L38 -6 L52 2 L66 -30 L24 -50 Q0 -30 -24 -50 Z"`)
	d.fill("accent", `rect x="-38" y="14" width="76" height="9"`)
	d.fill("accent", `rect x="14" y="-18" width="14" height="14" rx="2"`)
}

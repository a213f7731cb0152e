package loadtest

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// BarChart is a horizontal grouped bar chart: for each group (a row label)
// one bar per series.
type BarChart struct {
	Title  string
	Unit   string   // after each value ("%", " ms")
	Groups []string // row labels, top to bottom
	Series []Series // bars within a group, top to bottom
	Marks  []Mark   // vertical reference lines (the ceiling, a target)
	Max    float64  // the axis' end; 0: from the data and marks
	format func(float64) string
}

// Series is one set of bars, one value per group (NaN: no bar).
type Series struct {
	Name   string
	Color  string
	Values []float64
}

// Mark is a vertical reference line.
type Mark struct {
	Label string
	Value float64
}

const (
	chartWidth  = 860
	labelWidth  = 250
	barHeight   = 14
	barGap      = 2
	groupGap    = 10
	chartTop    = 56
	chartBottom = 30
)

// SVG renders the chart as a standalone SVG document.
func (c BarChart) SVG() string {
	format := c.format
	if format == nil {
		format = func(v float64) string { return trimFloat(v) + c.Unit }
	}
	maxV := c.Max
	if maxV == 0 {
		for _, s := range c.Series {
			for _, v := range s.Values {
				if !math.IsNaN(v) {
					maxV = math.Max(maxV, v)
				}
			}
		}
		for _, m := range c.Marks {
			maxV = math.Max(maxV, m.Value)
		}
		maxV = niceCeil(maxV * 1.08)
	}
	if maxV <= 0 {
		maxV = 1
	}
	plotW := float64(chartWidth - labelWidth - 90)
	x := func(v float64) float64 { return labelWidth + plotW*math.Min(v, maxV)/maxV }
	groupH := len(c.Series)*(barHeight+barGap) + groupGap
	height := chartTop + len(c.Groups)*groupH + chartBottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<title>%s</title>`+"\n", esc(c.Title))
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", esc(c.Title))
	// Legend.
	lx := 10.0
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect x="%.0f" y="32" width="12" height="12" fill="%s"/><text x="%.0f" y="42">%s</text>`+"\n",
			lx, s.Color, lx+16, esc(s.Name))
		lx += 26 + 7*float64(len(s.Name))
	}
	// Axis ticks.
	for i := 0; i <= 4; i++ {
		v := maxV * float64(i) / 4
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#dddddd"/>`+"\n", x(v), chartTop-4, x(v), height-chartBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555555">%s</text>`+"\n", x(v), height-chartBottom+16, esc(format(v)))
	}
	// Bars.
	for gi, g := range c.Groups {
		y0 := chartTop + gi*groupH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelWidth-8,
			y0+len(c.Series)*(barHeight+barGap)/2+4, esc(g))
		for si, s := range c.Series {
			if gi >= len(s.Values) || math.IsNaN(s.Values[gi]) {
				continue
			}
			v := s.Values[gi]
			y := y0 + si*(barHeight+barGap)
			fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
				labelWidth, y, math.Max(x(v)-labelWidth, 0.5), barHeight, s.Color, esc(g), esc(s.Name), esc(format(v)))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#333333">%s</text>`+"\n", x(v)+4, y+barHeight-3, esc(format(v)))
		}
	}
	// Reference lines.
	for _, m := range c.Marks {
		fmt.Fprintf(&b, `<line class="mark" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c0392b" stroke-dasharray="4 3"/>`+"\n",
			x(m.Value), chartTop-6, x(m.Value), height-chartBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#c0392b">%s</text>`+"\n", x(m.Value), chartTop-9, esc(m.Label))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// trimFloat formats v with at most three significant decimals, no
// trailing zeros.
func trimFloat(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".")
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

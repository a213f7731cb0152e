package shop

import "time"

// DemoCatalog returns the demo catalog: categories and products.
// (placeholder; to be filled with 48+ products)
func DemoCatalog() ([]Category, []Product) {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []Category{{ID: "kitchen", Name: "Kitchen"}},
		[]Product{{ID: "enamel-kettle", Name: "Enamel Kettle", Description: "A kettle.", Category: "kitchen", PriceCents: 3900, Stock: 10, Active: true, CreatedAt: t}}
}

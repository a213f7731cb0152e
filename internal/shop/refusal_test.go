package shop_test

import (
	"errors"
	"reflect"
	"testing"

	"storefront/internal/shop"
)

// TestRefusalOf: short stock is named line by line (a negative stock as
// 0 available); a missing, withdrawn or repriced product makes it a price
// error, which wins over short stock; satisfiable lines are no refusal.
func TestRefusalOf(t *testing.T) {
	lines := []shop.OrderLine{
		{ProductID: "ok", Name: "OK", UnitPriceCents: 100, Quantity: 2},
		{ProductID: "short", Name: "Short", UnitPriceCents: 200, Quantity: 3},
		{ProductID: "negative", Name: "Negative", UnitPriceCents: 300, Quantity: 1},
	}
	products := map[string]*shop.Product{
		"ok":       {ID: "ok", Name: "OK", PriceCents: 100, Stock: 2, Active: true},
		"short":    {ID: "short", Name: "Short", PriceCents: 200, Stock: 2, Active: true},
		"negative": {ID: "negative", Name: "Negative", PriceCents: 300, Stock: -1, Active: true},
	}
	err := shop.RefusalOf(lines, products)
	var serr *shop.StockError
	if !errors.As(err, &serr) {
		t.Fatalf("RefusalOf() = %v; want a *StockError", err)
	}
	want := []shop.Shortage{{ProductID: "short", Name: "Short", Requested: 3, Available: 2}, {ProductID: "negative", Name: "Negative", Requested: 1, Available: 0}}
	if !reflect.DeepEqual(serr.Items, want) {
		t.Errorf("RefusalOf() shortages = %+v; want %+v", serr.Items, want)
	}

	lines = append(lines, shop.OrderLine{ProductID: "gone", Name: "Gone", UnitPriceCents: 50, Quantity: 1},
		shop.OrderLine{ProductID: "off", Name: "Off", UnitPriceCents: 60, Quantity: 1},
		shop.OrderLine{ProductID: "repriced", Name: "Repriced", UnitPriceCents: 70, Quantity: 1})
	products["off"] = &shop.Product{ID: "off", Name: "Off", PriceCents: 60, Stock: 5, Active: false}
	products["repriced"] = &shop.Product{ID: "repriced", Name: "Repriced", PriceCents: 75, Stock: 5, Active: true}
	err = shop.RefusalOf(lines, products)
	var perr *shop.PriceError
	if !errors.As(err, &perr) {
		t.Fatalf("RefusalOf() = %v; want a *PriceError (prices are confirmed before stock)", err)
	}
	wantChanges := []shop.PriceChange{
		{ProductID: "gone", Name: "Gone", OldPriceCents: 50, Withdrawn: true},
		{ProductID: "off", Name: "Off", OldPriceCents: 60, Withdrawn: true},
		{ProductID: "repriced", Name: "Repriced", OldPriceCents: 70, NewPriceCents: 75},
	}
	if !reflect.DeepEqual(perr.Items, wantChanges) {
		t.Errorf("RefusalOf() changes = %+v; want %+v", perr.Items, wantChanges)
	}
	// The short lines come with it, for the shopper to fix both at once.
	if !reflect.DeepEqual(perr.Shortages, want) {
		t.Errorf("RefusalOf() price error's shortages = %+v; want %+v", perr.Shortages, want)
	}

	if err := shop.RefusalOf(lines[:1], products); err != nil {
		t.Errorf("RefusalOf(satisfiable line) = %v; want nil", err)
	}
	for _, l := range lines {
		if got, want := shop.CanPlace(l, products[l.ProductID]), l.ProductID == "ok"; got != want {
			t.Errorf("CanPlace(%s) = %v; want %v", l.ProductID, got, want)
		}
	}
}

// TestPlacementRefusedRefusal: only the lines whose products the store
// reported are judged (a reported nil is a missing product); a report that
// allows every line is ErrConflict, never a success.
func TestPlacementRefusedRefusal(t *testing.T) {
	lines := []shop.OrderLine{
		{ProductID: "fine", Name: "Fine", UnitPriceCents: 100, Quantity: 1},
		{ProductID: "short", Name: "Short", UnitPriceCents: 200, Quantity: 3},
	}
	refused := &shop.PlacementRefused{Products: map[string]*shop.Product{
		"short": {ID: "short", Name: "Short", PriceCents: 200, Stock: 1, Active: true},
	}}
	var serr *shop.StockError
	if err := refused.Refusal(lines); !errors.As(err, &serr) || len(serr.Items) != 1 || serr.Items[0].ProductID != "short" {
		t.Errorf("Refusal(fine unreported, short reported) = %v; want a *StockError naming only short", err)
	}
	gone := &shop.PlacementRefused{Products: map[string]*shop.Product{"fine": nil}}
	var perr *shop.PriceError
	if err := gone.Refusal(lines); !errors.As(err, &perr) || len(perr.Items) != 1 || !perr.Items[0].Withdrawn {
		t.Errorf("Refusal(fine reported missing) = %v; want a *PriceError naming fine withdrawn", err)
	}
	healed := &shop.PlacementRefused{Products: map[string]*shop.Product{
		"short": {ID: "short", Name: "Short", PriceCents: 200, Stock: 3, Active: true},
	}}
	if err := healed.Refusal(lines); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("Refusal(every reported line placeable) = %v; want ErrConflict", err)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/memstore"
	"storefront/internal/shop"
)

// TestRunDrainsBeforeStopping: stopped with STOREFRONT_DRAIN_DELAY set,
// the program first answers /readyz with 503 while it still serves pages
// and /healthz, for about the delay, and only then stops taking
// connections and returns nil.
func TestRunDrainsBeforeStopping(t *testing.T) {
	// Long enough that the checks while it drains fit in it on a busy
	// machine: /readyz must say 503 within half of it.
	const delay = 3 * time.Second
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"),
		"STOREFRONT_DEMO": "false", "STOREFRONT_DRAIN_DELAY": delay.String()})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if status, _ := p.get(client, "/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz before the stop = %d; want 200", status)
	}

	stopped := make(chan error, 1)
	start := time.Now()
	go func() { stopped <- p.stop() }()
	var drained time.Duration // when /readyz first answered 503
	for drained == 0 {
		if time.Since(start) > delay/2 {
			t.Fatalf("/readyz still not 503 %v after the stop", time.Since(start))
		}
		if status, _ := p.get(client, "/readyz"); status == http.StatusServiceUnavailable {
			drained = time.Since(start)
		}
	}
	for _, path := range []string{"/healthz", "/cart"} {
		if status, _ := p.get(client, path); status != http.StatusOK {
			t.Errorf("GET %s while draining = %d; want 200 (still serving)", path, status)
		}
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run = %v; want nil", err)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("run returned %v after the stop; want it to drain for %v first", took, delay)
	}
	if _, err := client.Get(p.base + "/healthz"); err == nil {
		t.Error("the server still takes connections after run returned")
	}
}

// slowSaveStore is a store whose product writes take saveTime, telling
// writing when the first begins.
type slowSaveStore struct {
	*memstore.Store
	saveTime time.Duration
	writing  chan struct{}
	once     sync.Once
}

func (s *slowSaveStore) SaveProducts(ctx context.Context, ps []shop.Product) error {
	s.once.Do(func() { close(s.writing) })
	time.Sleep(s.saveTime)
	return s.Store.SaveProducts(ctx, ps)
}

// TestShutdownWaitsForACatalogImport: a server stopped while a catalog
// import is being written waits for the import past its shutdown timeout
// (the import outlives the request deadline), and the staff member gets
// its answer; cut, the catalog would be half imported.
func TestShutdownWaitsForACatalogImport(t *testing.T) {
	store := &slowSaveStore{Store: memstore.New(), saveTime: 400 * time.Millisecond, writing: make(chan struct{})}
	service := shop.NewService(store, shop.Config{})
	staff := &shop.User{ID: "staff-1", Role: shop.RoleStaff}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		report, err := service.ImportCatalog(r.Context(), staff, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "created %d", report.Created)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	answered := make(chan string, 1)
	go func() {
		file := "id,name,description,category,price_cents,stock,active\nmug,Mug,Holds tea.,kitchen,1250,3,true\n"
		res, err := http.Post("http://"+ln.Addr().String()+"/", "text/csv", strings.NewReader(file))
		if err != nil {
			answered <- err.Error()
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		answered <- fmt.Sprintf("%d %s", res.StatusCode, body)
	}()
	<-store.writing
	const timeout = 50 * time.Millisecond // far shorter than the import's writing
	if err := shutdown(t.Context(), srv, service, timeout, slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("shutdown during an import = %v; want nil after it was written", err)
	}
	if got := <-answered; got != "200 created 1" {
		t.Errorf("the import's answer = %q; want 200 created 1", got)
	}
	if p, err := store.Product(t.Context(), "mug"); err != nil || p.PriceCents != 1250 {
		t.Errorf("Product(mug) after the stop = %+v, %v; want it imported", p, err)
	}
}

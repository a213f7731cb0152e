package loadtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// HelloHandler answers every request with "Hello, world!": the least a Go
// net/http server can do per request, the ceiling the shop's pages are
// measured against.
func HelloHandler() http.Handler {
	body := []byte("Hello, world!\n")
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(body)
	})
}

// ServeHello serves HelloHandler on addr until ctx is done. ready, when
// not nil, receives the address listened on.
func ServeHello(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: HelloHandler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"storefront/internal/shop"
)

// proxyClient determines who the client is. Behind a trusted proxy
// (TrustProxy) RemoteAddr is set from the X-Forwarded-For entry that proxy
// wrote, so sign-in throttling and the logs count clients, not the proxy;
// without one the header is the client's word and ignored. The address
// goes into the context for the service (shop.WithClientAddr), which
// limits registrations by it and logs account events with it.
func (s *server) proxyClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.TrustProxy {
			if addr, ok := forwardedFor(r.Header); ok {
				r = r.WithContext(r.Context()) // a copy: the caller's request stays as it was
				r.RemoteAddr = net.JoinHostPort(addr.String(), "0")
			}
		}
		next.ServeHTTP(w, r.WithContext(shop.WithClientAddr(r.Context(), clientAddr(r))))
	})
}

// lastForwarded returns the rightmost entry of a forwarding header, the
// one the trusted proxy (the last hop before the shop) wrote: a proxy
// appends its entry to what it received, as a new header line or after a
// comma, so every earlier entry came from the client or hops before it and
// may be forged. Both X-Forwarded-For and X-Forwarded-Proto are read this
// way, so they describe the same hop.
func lastForwarded(h http.Header, name string) string {
	lines := h.Values(name)
	if len(lines) == 0 {
		return ""
	}
	entries := strings.Split(lines[len(lines)-1], ",")
	return strings.TrimSpace(entries[len(entries)-1])
}

// forwardedFor returns the client address the trusted proxy put in
// X-Forwarded-For: an IP address, or one with a port ("192.0.2.1:4711",
// "[2001:db8::1]:4711"), which some proxies write.
func forwardedFor(h http.Header) (netip.Addr, bool) {
	entry := lastForwarded(h, "X-Forwarded-For")
	if addr, err := netip.ParseAddr(entry); err == nil {
		return addr.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(entry); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// isHTTPS reports whether the client reached the shop over HTTPS: directly,
// or through a trusted proxy whose own X-Forwarded-Proto entry says so.
func (s *server) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || s.cfg.TrustProxy && strings.EqualFold(lastForwarded(r.Header, "X-Forwarded-Proto"), "https")
}

// clientAddr is the client address that sign-in throttling and the
// registration limit count, pages and API alike: the host of RemoteAddr
// (which proxyClient sets from X-Forwarded-For only behind a trusted
// proxy).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

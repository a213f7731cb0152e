package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"time"

	"storefront/internal/shop"
)

// problem is how an error is shown: the HTTP status, the API error code
// and a message for people. Messages never contain err.Error(): internal
// detail goes to the log only, with the request id.
type problem struct {
	Status  int
	Code    string
	Message string
}

// requestError is a request refused by the adapter before the service sees
// it (a body that is not JSON, a missing header, an unknown API path): it
// carries its own answer.
type requestError struct{ problem }

func (e *requestError) Error() string { return e.Code }

// Refusals the adapter decides itself, before the service sees the
// request: of pages, of API requests that are not well-formed JSON, and of
// the Idempotency-Key header of POST /api/v1/orders.
var (
	errNoRoute = &requestError{problem{http.StatusNotFound, "not_found",
		"We could not find that page. Check the address, or start again from the shop's home page."}}
	errMethodNotAllowed = &requestError{problem{http.StatusMethodNotAllowed, "method_not_allowed",
		"This page cannot be used that way."}}
	errCrossOrigin = &requestError{problem{http.StatusForbidden, "cross_origin_request",
		"This request came from another website, so it was refused to protect your account. Go back to the shop and try again."}}
	errBadForm = &requestError{problem{http.StatusBadRequest, "bad_request",
		"The form could not be read. Please go back and try again."}}
	errCookiesRequired = &requestError{problem{http.StatusBadRequest, "cookies_required",
		"Signing in needs cookies. Please allow cookies for this site and try again."}}
	errAPIMediaType = &requestError{problem{http.StatusUnsupportedMediaType, "unsupported_media_type",
		"Send the request body as application/json."}}
	errAPIEmptyBody = &requestError{problem{http.StatusBadRequest, "invalid_json",
		"The request body is empty; send a JSON object."}}
	errAPINotObject = &requestError{problem{http.StatusBadRequest, "invalid_json",
		"The request body must be a JSON object."}}
	errAPISyntax = &requestError{problem{http.StatusBadRequest, "invalid_json",
		"The request body is not valid JSON."}}
	errAPITrailing = &requestError{problem{http.StatusBadRequest, "invalid_json",
		"The request body must hold exactly one JSON value."}}
	errAPIKeyRequired = &requestError{problem{http.StatusBadRequest, "idempotency_key_required",
		"Send an Idempotency-Key header, a unique value per order, to place an order safely."}}
	errAPIKeyInvalid = &requestError{problem{http.StatusBadRequest, "invalid_idempotency_key",
		fmt.Sprintf("The Idempotency-Key header must be %d to %d visible ASCII characters.", shop.MinCheckoutKeyLen, shop.MaxCheckoutKeyLen)}}
)

// retryAfterSeconds is the Retry-After of every 503 answer, pages and API
// alike: a store that is busy or briefly unreachable is usually back within
// seconds.
const retryAfterSeconds = "2"

// waitText says how long to wait, in whole minutes ("15 minutes") or, under
// two minutes, seconds.
func waitText(d time.Duration) string {
	if d < 2*time.Minute {
		return strconv.Itoa(int(d.Seconds())) + " seconds"
	}
	return strconv.Itoa(int(d.Minutes())) + " minutes"
}

// clientGone reports whether a failure only means the client stopped
// waiting (a cancelled request, say the first of a double click): nobody
// reads the answer, and it is no server error worth an alarm.
func clientGone(r *http.Request, p problem) bool {
	return p.Status >= http.StatusInternalServerError && errors.Is(r.Context().Err(), context.Canceled)
}

// problemFor maps every error kind of the shop to its answer, once, for the
// HTML pages and the JSON API alike.
func problemFor(err error) problem {
	var verr *shop.ValidationError
	var rerr *requestError
	var tooBig *http.MaxBytesError
	var incomplete *shop.ImportIncompleteError
	switch {
	case errors.As(err, &rerr):
		return rerr.problem
	case errors.As(err, &incomplete):
		// Never "nothing was changed": the lines before it are written.
		maybe := ""
		if incomplete.MaybeWritten > 0 {
			maybe = fmt.Sprintf(", and some of the %d after them may have been", incomplete.MaybeWritten)
		}
		return problem{http.StatusServiceUnavailable, "import_incomplete", fmt.Sprintf("The import stopped part way: "+
			"the first %d of the file's %d lines were written before the shop's database stopped answering%s. "+
			"Upload the same file again in a moment to finish: each line sets its product, so importing it again completes the import.",
			incomplete.Written, incomplete.Rows, maybe)}
	case errors.As(err, &tooBig):
		return problem{http.StatusRequestEntityTooLarge, "body_too_large", "The request is too large: at most " + strconv.FormatInt(tooBig.Limit>>20, 10) + " MiB."}
	case errors.As(err, &verr):
		return problem{http.StatusUnprocessableEntity, "validation_failed", "Please correct the highlighted fields."}
	case errors.Is(err, shop.ErrNotFound):
		return problem{http.StatusNotFound, "not_found", "We could not find that page."}
	case errors.Is(err, shop.ErrProductExists):
		return problem{http.StatusConflict, "product_exists", "A product with this id exists already; choose another id."}
	case errors.Is(err, shop.ErrEmailTaken):
		return problem{http.StatusConflict, "email_taken", "An account with this email already exists. Sign in instead."}
	case errors.Is(err, shop.ErrInvalidCredentials):
		return problem{http.StatusUnauthorized, "invalid_credentials", "The email or password is not correct."}
	case errors.Is(err, shop.ErrUnauthorized):
		return problem{http.StatusUnauthorized, "unauthorized", "Please sign in."}
	case errors.Is(err, shop.ErrThrottled):
		return problem{http.StatusTooManyRequests, "too_many_attempts", "Too many sign-in attempts. Please wait " + waitText(shop.LockDuration) + " and try again."}
	case errors.Is(err, shop.ErrTooManyRegistrations):
		return problem{http.StatusTooManyRequests, "too_many_requests", "Too many accounts were created from your network in the last hour. Please try again later."}
	case errors.Is(err, shop.ErrTooManyGuestCarts):
		return problem{http.StatusTooManyRequests, "too_many_requests", "Too many new carts were started from your network in the last hour. " +
			"Please sign in to shop now (a signed-in cart is not limited so), or try again later. If your browser refuses cookies, allow them for this shop: each visit without one starts a new cart."}
	case errors.Is(err, shop.ErrCartEmpty):
		return problem{http.StatusUnprocessableEntity, "cart_empty", "Your cart is empty."}
	case errors.Is(err, shop.ErrOutOfStock):
		return problem{http.StatusConflict, "insufficient_stock", "Some products do not have enough stock left."}
	case errors.Is(err, shop.ErrCartNotAsShown):
		return problem{http.StatusConflict, "cart_changed", "Your cart changed since the checkout page showed it. Nothing was ordered: review it and place the order again."}
	case errors.Is(err, shop.ErrPriceChanged):
		return problem{http.StatusConflict, "price_changed", "Some prices changed since you added the products, or a product is no longer sold (withdrawn in items). " +
			"Remove the products no longer sold, and put the others again to accept their new prices."}
	case errors.Is(err, shop.ErrInvalidTransition):
		return problem{http.StatusConflict, "invalid_transition", "The order's status does not allow that change (it may have changed meanwhile). Reload the order to see its status."}
	case errors.Is(err, shop.ErrIdempotencyKeyReused):
		return problem{http.StatusUnprocessableEntity, "idempotency_key_reused", "This checkout was already used for another order request."}
	case errors.Is(err, shop.ErrOutcomeUnknown):
		// Never "nothing was changed": the order may exist. The same
		// request again (same Idempotency-Key, same form) finds out.
		return problem{http.StatusServiceUnavailable, "outcome_unknown", "We could not confirm whether your order was placed: it may have been. " +
			"Send the same request with the same Idempotency-Key again to find out; it never places a second order."}
	case errors.Is(err, shop.ErrUnavailable), errors.Is(err, shop.ErrConflict), errors.Is(err, shop.ErrCartChanged),
		errors.Is(err, context.DeadlineExceeded): // the request's deadline (deadline.go) ran out
		return problem{http.StatusServiceUnavailable, "unavailable", "The shop is busy right now. Nothing was changed; please try again in a moment."}
	}
	return problem{http.StatusInternalServerError, "internal_error", "Something went wrong on our side. Please try again."}
}

// renderFailed answers a page that could not be rendered with a fixed 500
// page that needs no template.
func (s *server) renderFailed(w http.ResponseWriter, r *http.Request, err error) {
	id := w.Header().Get("X-Request-Id")
	s.log.ErrorContext(r.Context(), "page failed", "request_id", id, "path", r.URL.Path, "err", err)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong | Storefront</title><link rel="stylesheet" href="%s"></head>
<body><main id="main"><h1>Something went wrong</h1><p>Something went wrong on our side. Please try again.</p>
<p>Reference: <code>%s</code></p><p><a href="/">Back to the shop</a></p></main></body></html>
`, html.EscapeString(s.styleURL), html.EscapeString(id))
}

// errorPage answers err with the page of its kind (problemFor decides the
// status and the message). Server-side failures are logged with the
// request id, which the page shows; the person never sees internal detail.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if clientGone(r, p) {
		s.log.InfoContext(r.Context(), "client went away", "request_id", w.Header().Get("X-Request-Id"), "path", r.URL.Path)
	} else if p.Status >= http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", w.Header().Get("X-Request-Id"),
			"method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	}
	setRetryAfter(w, p, err)
	heading := errorHeading(p.Status)
	v := &messageView{
		layoutView: layoutView{Title: heading}, Heading: heading, Message: p.Message, ShowRequestID: true,
		Links: []linkView{{URL: "/", Text: "Back to the shop"}},
	}
	if p.Status == http.StatusNotFound {
		// A page not found says what may have happened and offers ways on:
		// the search box of the header, the catalog, the cart, the orders.
		v.Details = []string{"The address may be mistyped, or the page may have moved or been removed. Search for a product with the box at the top of the page, or go on from here:"}
		v.Links = []linkView{{URL: "/products", Text: "Browse all products"}, {URL: "/cart", Text: "Your cart"}}
		if visitFrom(r.Context()).User != nil {
			v.Links = append(v.Links, linkView{URL: "/orders", Text: "Your orders"})
		}
	}
	s.render(w, r, p.Status, "message", v)
}

// errorHeading is the headline of an error page.
func errorHeading(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "We could not understand that request"
	case http.StatusUnauthorized:
		return "Please sign in"
	case http.StatusForbidden:
		return "Request refused"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusMethodNotAllowed:
		return "Not available this way"
	case http.StatusConflict:
		return "That could not be done"
	case http.StatusRequestEntityTooLarge:
		return "Too much data"
	case http.StatusUnprocessableEntity:
		return "Please check what you entered"
	case http.StatusTooManyRequests:
		return "Too many attempts"
	case http.StatusServiceUnavailable:
		return "Please try again"
	}
	return "Something went wrong"
}

// apiErrorJSON is every error answer of the API. Fields holds one message
// list per invalid field (validation_failed only); Items names the products
// of insufficient_stock and price_changed.
type apiErrorJSON struct {
	Error     string              `json:"error"`
	Message   string              `json:"message"`
	Fields    map[string][]string `json:"fields,omitempty"`
	Items     any                 `json:"items,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// shortageJSON is an item of insufficient_stock.
type shortageJSON struct {
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
	Requested int    `json:"requested"`
	Available int    `json:"available"`
}

// priceChangeJSON is an item of price_changed; a withdrawn product has
// new_price_cents 0.
type priceChangeJSON struct {
	ProductID     string `json:"product_id"`
	Name          string `json:"name"`
	OldPriceCents int64  `json:"old_price_cents"`
	NewPriceCents int64  `json:"new_price_cents"`
	Withdrawn     bool   `json:"withdrawn"`
}

// apiError answers with the error shape of the API; problemFor decides the
// status, code and message. Internal errors are logged, never shown.
func (s *server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	body := apiErrorJSON{Error: p.Code, Message: p.Message, RequestID: apiRequestID(w, r)}
	if clientGone(r, p) {
		s.log.InfoContext(r.Context(), "client went away", "request_id", body.RequestID, "path", r.URL.Path)
	} else if p.Status >= http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path,
			"status", p.Status, "request_id", body.RequestID, "err", err)
	}
	var verr *shop.ValidationError
	var serr *shop.StockError
	var perr *shop.PriceError
	switch {
	case errors.As(err, &verr):
		body.Fields = make(map[string][]string, len(verr.Fields))
		for field, msg := range verr.Fields {
			body.Fields[field] = []string{msg}
		}
	case errors.As(err, &serr):
		items := make([]shortageJSON, len(serr.Items))
		for i, it := range serr.Items {
			items[i] = shortageJSON{ProductID: it.ProductID, Name: it.Name, Requested: it.Requested, Available: it.Available}
		}
		body.Items = items
	case errors.As(err, &perr):
		items := make([]priceChangeJSON, len(perr.Items))
		for i, it := range perr.Items {
			items[i] = priceChangeJSON{ProductID: it.ProductID, Name: it.Name, OldPriceCents: int64(it.OldPriceCents),
				NewPriceCents: int64(it.NewPriceCents), Withdrawn: it.Withdrawn}
		}
		body.Items = items
	}
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="storefront"`)
	}
	setRetryAfter(w, p, err)
	b, merr := json.Marshal(body)
	if merr != nil { // cannot happen: the shape holds strings and ints only
		b = []byte(`{"error":"internal_error","message":"Something went wrong on our side."}`)
	}
	apiHeaders(w)
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n')) // a failed write means the client left
}

// setRetryAfter tells a client refused for now when to try again: after
// the registration window or the sign-in lock (429), or after
// retryAfterSeconds (503).
func setRetryAfter(w http.ResponseWriter, p problem, err error) {
	switch p.Status {
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", retryAfter(err))
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
}

// retryAfter is the Retry-After of a 429 answer, in seconds: the window
// of the registration or guest cart limit, or the sign-in lock.
func retryAfter(err error) string {
	switch {
	case errors.Is(err, shop.ErrTooManyRegistrations):
		return strconv.Itoa(int(shop.RegistrationWindow.Seconds()))
	case errors.Is(err, shop.ErrTooManyGuestCarts):
		return strconv.Itoa(int(shop.GuestCartWindow.Seconds()))
	}
	return strconv.Itoa(int(shop.LockDuration.Seconds()))
}

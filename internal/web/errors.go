package web

import (
	"context"
	"errors"
	"net/http"

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

// Refusals of page requests, decided by the HTML adapter itself.
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
)

// retryAfterSeconds is the Retry-After of every 503 answer, pages and API
// alike: a store that is busy or briefly unreachable is usually back within
// seconds.
const retryAfterSeconds = "2"

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
	switch {
	case errors.As(err, &rerr):
		return rerr.problem
	case errors.As(err, &tooBig):
		return problem{http.StatusRequestEntityTooLarge, "body_too_large", "The request is too large: at most 1 MiB."}
	case errors.As(err, &verr):
		return problem{http.StatusUnprocessableEntity, "validation_failed", "Please correct the highlighted fields."}
	case errors.Is(err, shop.ErrNotFound):
		return problem{http.StatusNotFound, "not_found", "We could not find that page."}
	case errors.Is(err, shop.ErrEmailTaken):
		return problem{http.StatusConflict, "email_taken", "An account with this email already exists. Sign in instead."}
	case errors.Is(err, shop.ErrInvalidCredentials):
		return problem{http.StatusUnauthorized, "invalid_credentials", "The email or password is not correct."}
	case errors.Is(err, shop.ErrUnauthorized):
		return problem{http.StatusUnauthorized, "unauthorized", "Please sign in."}
	case errors.Is(err, shop.ErrThrottled):
		return problem{http.StatusTooManyRequests, "too_many_attempts", "Too many sign-in attempts. Please wait 15 minutes and try again."}
	case errors.Is(err, shop.ErrTooManyRegistrations):
		return problem{http.StatusTooManyRequests, "too_many_requests", "Too many accounts were created from your network in the last hour. Please try again later."}
	case errors.Is(err, shop.ErrCartEmpty):
		return problem{http.StatusUnprocessableEntity, "cart_empty", "Your cart is empty."}
	case errors.Is(err, shop.ErrOutOfStock):
		return problem{http.StatusConflict, "insufficient_stock", "Some products do not have enough stock left."}
	case errors.Is(err, shop.ErrPriceChanged):
		return problem{http.StatusConflict, "price_changed", "Some prices changed since you added the products. Please review and confirm the new prices."}
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

// The shop's one script. Every page works without it; it only adds two
// things a browser with JavaScript can do better.
//
// 1. Pages are personal and sent with Cache-Control: no-store, yet some
// browsers (WebKit over plain HTTP) restore them from the back/forward
// cache after sign-out. A page restored that way asks the server again, so
// the back button never shows what a signed-out visitor may not see.
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    window.location.reload();
  }
});

// 2. A form marked data-pending-text (the checkout) says that it was sent
// while its answer is on its way: the form is marked busy, its button
// says so, and its status region (role="status") tells screen readers. A
// button with a data-pending-text of its own (the checkout's "Confirm new
// prices") says that instead.
// The button stays usable: sending the form again is safe (the checkout
// key makes it one order) and is how a shopper retries a lost answer.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var text = form && form.getAttribute && form.getAttribute("data-pending-text");
  if (!text || event.defaultPrevented) {
    return;
  }
  var button = event.submitter || form.querySelector("button[type=submit]");
  if (button && button.getAttribute("data-pending-text")) {
    text = button.getAttribute("data-pending-text");
  }
  form.setAttribute("aria-busy", "true");
  if (button) {
    button.textContent = text;
  }
  var status = form.querySelector("[role=status]");
  if (status) {
    status.textContent = text;
  }
});

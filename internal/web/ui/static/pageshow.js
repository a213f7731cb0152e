// Pages are personal and sent with Cache-Control: no-store, yet some
// browsers (WebKit over plain HTTP) restore them from the back/forward
// cache after sign-out. A page restored that way asks the server again, so
// the back button never shows what a signed-out visitor may not see.
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    window.location.reload();
  }
});

// The checkout's answer is lost on the way back: a test proxy between the
// browser and the shop (lib/proxy.mjs dropNext) passes the POST /checkout
// on, lets the shop place the order and answer, and closes the browser's
// connection without a byte of the answer. The browser shows its own error
// page. The shopper goes back and presses "Place order" again (the same
// form: the page as the browser restores it, or, when it reloads the
// checkout, the same form posted again): the one order, never a second,
// and no page says that nothing was ordered.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';
import { poll, sleep, withTimeout } from '../lib/procs.mjs';

export const title = 'checkout answer lost, pressed again';

const NOTHING_ORDERED = /nothing (was|has been) ordered|(was|has) not been placed|was not placed|no order (was|has been) placed|order failed/i;

export async function run(t) {
  const p = await t.api.product(t.catalog.plenty().id);
  const stock = await t.stockBefore([p]);
  const email = t.email('s12');
  const name = t.personName('s12');
  const addr = S.address('s12');
  // No keep-alive: Chromium resends a request, even a POST, by itself when
  // a reused connection closes without an answer (it takes that for a
  // server that closed an idle connection), so the loss would never show.
  const proxy = await t.proxy(t.app.baseURL, { keepAlive: false });
  const ctx = await t.newContext({ via: proxy.url });
  const page = await ctx.newPage('shopper');

  await S.register(page, { email, name });
  await S.addFromProductPage(page, p, 2);
  const lines = [{ product: p, quantity: 2 }];
  await page.goto('/cart');
  await S.expectCart(page, lines);
  await S.openCheckout(page);
  await S.fillAddress(page, addr);
  const form = await page.formOf({ button: 'Place order' });

  // The first press: placed by the shop, its answer lost.
  // Chromium sends a POST whose answer was lost once more by itself,
  // half a second later: every answer to the checkout is lost until the
  // browser gave the post up (stop() below; at most 20 s).
  const lost = proxy.dropNext('POST', /^\/checkout$/, { windowMs: 20000 });
  await page.click({ button: 'Place order' }, { navigate: false });
  const entry = await withTimeout(lost.answered, 30000, 'the checkout post to reach the shop');
  assert.equal(entry.status, 303, `${t.engine.name}: the shop answered the checkout ${entry.status}; want 303 (then lost by the proxy)`);
  assert.ok(entry.dropped, `${t.engine.name}: the proxy did not drop the answer`);
  const placedAt = new URL(entry.headers.location, proxy.url).pathname;
  const m = placedAt.match(/^\/orders\/([^/?#]+)$/);
  assert.ok(m, `${t.engine.name}: the lost answer led to ${placedAt}; want /orders/{id}`);
  const orderId = decodeURIComponent(m[1]);
  await sleep(1500); // a resend by the browser itself
  await poll(async () => (await page._pendingDocuments()) === 0, { timeoutMs: 15000, what: 'the browser to give up the checkout post' });
  await sleep(500);
  // Dropping ends only now: a resend the browser sent late (a busy
  // machine) is lost as well, as the checks below expect of every one.
  lost.stop();
  const resent = proxy.requests('POST', /^\/checkout$/).length - 1;
  for (const e of proxy.requests('POST', /^\/checkout$/)) {
    assert.ok(e.dropped && new URL(e.headers.location, proxy.url).pathname === placedAt, `${t.engine.name}: a checkout post the browser sent by itself answered ${e.status} ${e.headers && e.headers.location}`);
  }
  const shown = await page.url().catch(() => '?');
  const errors = await page._drainErrors();
  t.note(`the answer lost${resent ? ` (and the browser's own ${resent} resend)` : ''}: the browser shows ${shown}; it reported ${errors.length ? errors.join('; ') : 'no error'}`);
  assert.ok(!(await page.exists('#order-id')), `${t.engine.name}: the browser shows an order although the answer was lost`);
  const lostText = await page.bodyText().catch(() => '');
  assert.doesNotMatch(lostText, NOTHING_ORDERED, `${t.engine.name}: after the lost answer the page says nothing was ordered: ${lostText.slice(0, 200)}`);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });

  // Back to the checkout, and press again.
  await page.back({ check: false });
  await page.check();
  const backText = await page.mainText();
  assert.doesNotMatch(backText, NOTHING_ORDERED, `${t.engine.name}: back at ${await page.path()} the page says nothing was ordered: ${backText.slice(0, 200)}`);
  const restored = await page.has({ button: 'Place order' })
    && (await page.formOf({ button: 'Place order' })).fields.some(([k, v]) => k === 'checkout_key' && v === form.fields.find(([n]) => n === 'checkout_key')[1]);
  if (restored) {
    t.note(`back showed ${await page.path()} with the same form; pressing "Place order" again`);
    await page.click({ button: 'Place order' });
  } else {
    t.note(`back showed ${await page.path()} (reloaded: "${backText.slice(0, 100)}"); posting the same form again`);
    await page.submitReplica(form);
  }
  const again = await S.expectConfirmation(page, { total: want.total_cents });
  assert.equal(again, orderId, `${t.engine.name}: pressing again after the lost answer gave order ${again}; the lost answer's order is ${orderId}`);
  await S.expectOrderPage(page, want);
  const posts = proxy.requests('POST', /^\/checkout$/);
  assert.equal(posts.length, 2 + resent, `${t.engine.name}: ${posts.length} checkout posts reached the shop; want ${2 + resent} (the lost ones and the press again)`);
  assert.equal(posts[posts.length - 1].status, 303, `${t.engine.name}: pressing again answered ${posts[posts.length - 1].status}`);

  await S.expectInHistory(page, [orderId]);
  assert.equal(await page.count('a[href^="/orders/"]'), 1, `${t.engine.name}: the history lists more than one order`);
  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

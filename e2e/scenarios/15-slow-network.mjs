// A slow, high-latency network: a test proxy (lib/proxy.mjs) between the
// browser and the shop adds 300 to 800 ms to every answer (documents,
// styles, scripts, images) for the whole journey. At the checkout the
// shopper presses "Place order" and, while the answer is still on its way
// (held at the proxy until the page was looked at), the page must say what
// is happening (the form marked busy or its button disabled, with a
// status text or the button's text saying so) and keep what was typed;
// the impatient shopper presses again: one order, never a second.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';
import * as B from '../lib/browser-fns.mjs';
import { withTimeout } from '../lib/procs.mjs';

export const title = 'slow network (300-800 ms per answer)';

export async function run(t) {
  const a = await t.api.product(t.catalog.plenty().id);
  const stock = await t.stockBefore([a]);
  const email = t.email('s15');
  const name = t.personName('s15');
  const addr = S.address('s15');
  const proxy = await t.proxy(t.app.baseURL, { latencyMs: [300, 800] });
  const ctx = await t.newContext({ via: proxy.url });
  const page = await ctx.newPage('shopper');

  const t0 = Date.now();
  await S.register(page, { email, name });
  await S.addFromProductPage(page, a, 2);
  const lines = [{ product: a, quantity: 2 }];
  await page.goto('/cart');
  await S.expectCart(page, lines);
  await S.openCheckout(page);
  await S.fillAddress(page, addr);
  const journeyMs = Date.now() - t0;

  // Press, and see what the page shows while the answer is on its way
  // (held at the proxy until 1.5 s after the second press; the page's own
  // record, as no driver can read a page whose navigation is pending in
  // every engine). The impatient shopper presses again 1.8 s after the
  // first press (after the page's last look at the first press, due at
  // 1.5 s: a timer late on a busy machine still fires before the second
  // press's page, two delayed answers away, arrives), unless the page
  // disabled the button.
  const held = proxy.holdNext('POST', /^\/checkout$/);
  const btn = await page.find({ button: 'Place order' });
  assert.ok(await page.js(B.installPendingProbe, btn.selector, { full_name: addr.full_name, city: addr.city }), 'no checkout form to watch');
  const pressedAt = Date.now();
  const pressed = page.navigation(() => page._click(btn.selector, btn, { count: 1 }), { timeoutMs: 60000 });
  let second = 'not pressed';
  try {
    await withTimeout(held.answered, 30000, 'the checkout post to reach the shop');
    await new Promise((r) => setTimeout(r, Math.max(0, pressedAt + 1800 - Date.now())));
    second = await withTimeout(page.pressAgain(btn), 5000, 'the second press').then((x) => x, (e) => `not delivered: ${e.message.split('\n')[0]}`);
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    held.release();
  }
  await pressed;
  await page.check();
  const orderId = await S.expectConfirmation(page);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(page, want);
  const posts = proxy.requests('POST', /^\/checkout$/);
  for (const p of posts.filter((x) => x.status !== null)) {
    assert.equal(new URL(p.headers.location || '/', proxy.url).pathname, `/orders/${encodeURIComponent(orderId)}`, `${t.engine.name}: a checkout post answered ${p.status} ${p.headers.location}`);
  }
  const delays = proxy.log.filter((e) => e.delayMs !== undefined).map((e) => e.delayMs);
  assert.ok(delays.length > 20 && Math.min(...delays) >= 300 && Math.max(...delays) <= 800, `${t.engine.name}: the proxy's delays ${Math.min(...delays)}..${Math.max(...delays)} ms over ${delays.length} answers`);
  t.note(`journey to the checkout in ${(journeyMs / 1000).toFixed(1)} s over ${delays.length} delayed answers; second press: ${second}; ${posts.length} checkout posts reached the shop, one order`);
  await S.expectInHistory(page, [orderId]);
  assert.equal(await page.count('a[href^="/orders/"]'), 1, `${t.engine.name}: the history lists more than one order`);
  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);

  // What the page showed while the answer was on its way.
  const seen = await page.js(B.readPendingProbe);
  t.note(`while pending: ${JSON.stringify(seen)}`);
  const first = seen.filter((x) => x.press === 1);
  assert.deepEqual(first.map((x) => x.afterMs), [300, 1500], `${t.engine.name}: the page recorded ${JSON.stringify(seen)} while the checkout was pending; want its looks 0.3 s and 1.5 s after the first press`);
  for (const x of first) assert.ok(x.kept, `${t.engine.name}: ${x.afterMs} ms after the press, while the checkout was pending, the form or the address typed was gone`);
  const pending = first[1];
  const says = pending.live.length > 0 || (pending.button && pending.button !== 'Place order');
  assert.ok((pending.busy || pending.disabled) && says,
    `${t.engine.name}: while the checkout's answer was on its way (1.5 s after the press), the page did not say what is happening: `
    + `form/button aria-busy ${pending.busy}, button disabled ${pending.disabled}, button text "${pending.button}", live regions ${JSON.stringify(pending.live)}; `
    + 'want the form marked busy or its button disabled, and a status text or the button saying the order is being placed');
  if (pending.disabled) assert.equal(posts.length, 1, `${t.engine.name}: the button was disabled, yet ${posts.length} checkout posts reached the shop`);
}

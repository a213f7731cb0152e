// Two shoppers competing for the last unit of a product: both have it in
// their cart and press "Place order" at the same moment; one order is
// placed, the other shopper sees a clear out-of-stock message (409) and
// nothing of theirs changes.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'two shoppers, last unit';

/** lastUnit returns a product with exactly one unit left, buying down one with 2-3 through the API if needed. */
async function lastUnit(t) {
  const one = t.catalog.products.find((p) => p.stock === 1 && !t.catalog.used.has(p.id));
  if (one) { t.catalog.used.add(one.id); return one; }
  const few = t.catalog.take((p) => p.stock >= 2 && p.stock <= 3, 'with 1 to 3 units');
  const email = t.email('s7-setup');
  await t.api.register(email, 'Stock Setup', S.PASSWORD);
  const tok = (await t.api.ok('POST', '/tokens', 201, { body: { email, password: S.PASSWORD } })).token;
  await t.api.ok('PUT', `/cart/items/${encodeURIComponent(few.id)}`, 200, { token: tok, body: { quantity: few.stock - 1 } });
  await t.api.ok('POST', '/orders', 201, {
    token: tok, headers: { 'Idempotency-Key': `s7-${t.rand}` },
    body: { shipping_address: { full_name: 'Stock Setup', line1: '1 Road', line2: '', city: 'Paris', postal_code: '75001', country: 'FR' } },
  });
  t.note(`no product with stock 1; bought ${few.stock - 1} of ${few.id} through the API first`);
  return few;
}

export async function run(t) {
  const p = await t.api.product((await lastUnit(t)).id);
  assert.equal(p.stock, 1, `${p.id} should have one unit left`);
  const stock = await t.stockBefore([p]);
  const shoppers = [];
  for (const tag of ['s7a', 's7b']) {
    const ctx = await t.newContext();
    const s = { tag, ctx, page: await ctx.newPage(tag), email: t.email(tag), name: t.personName(tag), addr: S.address(tag) };
    shoppers.push(s);
    await S.register(s.page, s);
    await S.addFromProductPage(s.page, p, 1);
    await s.page.goto('/cart');
    await S.expectCart(s.page, [{ product: p, quantity: 1 }]);
    await S.openCheckout(s.page);
    await S.fillAddress(s.page, s.addr);
  }

  // Both at once.
  await Promise.all(shoppers.map((s) => s.page.click({ button: 'Place order' }, { check: false })));
  for (const s of shoppers) {
    s.path = await s.page.path();
    s.won = /^\/orders\/[^/?#]+$/.test(s.path);
    await s.page.check();
  }
  const winners = shoppers.filter((s) => s.won);
  assert.equal(winners.length, 1, `${t.engine.name}: ${winners.length} shoppers got the last unit (${shoppers.map((s) => `${s.tag} at ${s.path}`).join(', ')}); want exactly 1`);
  const [winner] = winners;
  const loser = shoppers.find((s) => !s.won);
  t.note(`${winner.tag} got the last unit`);

  winner.orderId = await S.expectConfirmation(winner.page);
  const want = t.expectedOrder({ orderId: winner.orderId, email: winner.email, lines: [{ product: p, quantity: 1 }], address: winner.addr });
  await S.expectOrderPage(winner.page, want);

  await S.expectStatus(loser.page, 409);
  const msg = await loser.page.mainText();
  assert.ok(msg.includes(p.name), `${t.engine.name} ${loser.tag}: the out-of-stock message does not name ${p.name}: ${msg.slice(0, 300)}`);
  assert.match(msg, /stock|available|sold out|left/i, `${t.engine.name} ${loser.tag}: no clear out-of-stock message: ${msg.slice(0, 300)}`);
  const alert = await loser.page.js(() => [...document.querySelectorAll('[role=alert]')].map((e) => e.textContent.replace(/\s+/g, ' ').trim()).join(' '));
  assert.ok(alert.includes(p.name), `${t.engine.name} ${loser.tag}: the message is not announced (role=alert): "${alert}"`);
  await S.expectInHistory(loser.page, [], { absent: [winner.orderId] });
  assert.ok(await loser.page.exists('#no-orders') || (await loser.page.count('a[href^="/orders/"]')) === 0, `${t.engine.name} ${loser.tag}: has orders`);

  await t.assertOrders(winner.email, [want], { password: S.PASSWORD });
  await t.assertOrders(loser.email, []);
  await t.assertStock(stock, [{ product: p, quantity: 1 }]);
  assert.equal(await t.dynamo.stock(p.id), 0);
}

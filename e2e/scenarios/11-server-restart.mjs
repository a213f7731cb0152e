// The shop's process ends in the middle of a journey and starts again on
// the same port and tables: once killed (SIGKILL, after the cart was
// filled), once stopped gracefully (SIGTERM, with the checkout page open).
// The shopper stays signed in, the cart is kept, the checkout form shown
// before the restart places the one order.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'server restarted mid-journey';

export async function run(t) {
  const a = await t.api.product(t.catalog.plenty().id);
  const b = await t.api.product(t.catalog.plenty({ notCategory: a.category }).id);
  const stock = await t.stockBefore([a, b]);
  const email = t.email('s11');
  const name = t.personName('s11');
  const addr = S.address('s11');
  const ctx = await t.newContext();
  const page = await ctx.newPage('shopper');

  await S.register(page, { email, name });
  await S.addFromProductPage(page, a, 2);
  await page.goto('/cart');
  await S.expectCart(page, [{ product: a, quantity: 2 }]);

  const killed = await t.app.restart('SIGKILL');
  assert.equal(killed.signal, 'SIGKILL', `the shop ended with ${JSON.stringify(killed)}; want killed by SIGKILL`);
  t.note('shop killed (SIGKILL) and started again with the cart filled');
  await page.goto('/cart');
  await S.expectSignedIn(page, name);
  await S.expectCart(page, [{ product: a, quantity: 2 }]);
  await S.addFromProductPage(page, b, 1);
  const lines = [{ product: a, quantity: 2 }, { product: b, quantity: 1 }];
  await page.goto('/cart');
  await S.expectCart(page, lines);
  await S.openCheckout(page);
  await S.fillAddress(page, addr);

  const stopped = await t.app.restart('SIGTERM');
  assert.equal(stopped.code, 0, `the shop ended with ${JSON.stringify(stopped)} on SIGTERM; want a graceful exit 0`);
  t.note('shop stopped (SIGTERM, exit 0) and started again with the checkout page open');
  const orderId = await S.placeOrder(page);
  await S.expectSeeOther(page, /^\/orders\//);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(page, want);
  await S.expectSignedIn(page, name);
  await S.expectInHistory(page, [orderId]);
  assert.equal(await page.count('a[href^="/orders/"]'), 1, `${t.engine.name}: the history lists more than one order`);

  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

// One shopper in two tabs (cookies shared): the cart is the same in both;
// placing the order in one tab and then submitting the stale checkout form
// of the other does not create a second order.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'one shopper, two tabs';

export async function run(t) {
  const p1 = await t.api.product(t.catalog.plenty().id);
  const p2 = await t.api.product(t.catalog.plenty().id);
  const stock = await t.stockBefore([p1, p2]);
  const email = t.email('s5');
  const name = t.personName('s5');
  const addr = S.address('s5');
  const ctx = await t.newContext();
  const tab1 = await ctx.newPage('tab1');
  const tab2 = await ctx.newPage('tab2');

  await S.register(tab1, { email, name });
  await tab2.goto('/');
  await S.expectSignedIn(tab2, name);
  await S.addFromProductPage(tab1, p1, 1);
  await tab2.goto('/cart');
  await S.expectCart(tab2, [{ product: p1, quantity: 1 }]);
  await S.addFromProductPage(tab2, p2, 2);
  const lines = [{ product: p1, quantity: 1 }, { product: p2, quantity: 2 }];
  await tab1.goto('/cart');
  await S.expectCart(tab1, lines);
  await S.expectCart(tab2, lines);

  await S.openCheckout(tab1);
  await S.openCheckout(tab2);
  await S.fillAddress(tab1, addr);
  await S.fillAddress(tab2, addr);
  const orderId = await S.placeOrder(tab1);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(tab1, want);

  // The other tab still shows the checkout form filled in: submit it.
  await tab2.click({ button: 'Place order' });
  const path = await tab2.path();
  const m = path.match(/^\/orders\/([^/?#]+)$/);
  if (m) {
    assert.equal(decodeURIComponent(m[1]), orderId, `${t.engine.name}: the stale checkout led to another order`);
    await S.expectOrderPage(tab2, want);
  } else {
    const doc = await tab2.lastDocument();
    assert.ok(doc.status < 500, `${t.engine.name} tab2: the stale checkout answered ${doc.status} at ${path}`);
    t.note(`stale checkout answered ${doc.status} at ${path}: ${(await tab2.mainText()).slice(0, 160)}`);
    assert.ok(!(await tab2.exists('#order-id')), `${t.engine.name} tab2: stale checkout shows an order`);
  }
  await S.expectInHistory(tab2, [orderId]);
  assert.equal(await tab2.count('a[href^="/orders/"]'), 1, `${t.engine.name} tab2: the history lists more than one order`);

  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

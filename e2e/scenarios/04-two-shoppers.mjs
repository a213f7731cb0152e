// Two shoppers at once in separate browser contexts (cookies not shared):
// neither sees the other's cart or orders, and another shopper's order page
// answers 404.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'two shoppers, separate contexts';

export async function run(t) {
  const shoppers = [];
  for (const tag of ['s4a', 's4b']) {
    const product = await t.api.product(t.catalog.plenty().id);
    const ctx = await t.newContext();
    shoppers.push({ tag, product, ctx, page: await ctx.newPage(tag), email: t.email(tag), name: t.personName(tag), addr: S.address(tag, { line2: false }) });
  }
  const stock = await t.stockBefore(shoppers.map((s) => s.product));
  const [a, b] = shoppers;

  // Interleaved, as two people at the same time.
  for (const s of shoppers) await S.register(s.page, s);
  for (const s of shoppers) await S.addFromProductPage(s.page, s.product, 1);
  for (const s of shoppers) {
    await s.page.goto('/cart');
    await S.expectCart(s.page, [{ product: s.product, quantity: 1 }]);
    const other = s === a ? b : a;
    assert.ok(!(await s.page.bodyText()).includes(other.product.name), `${t.engine.name} ${s.tag}: the cart shows the other shopper's product`);
  }
  for (const s of shoppers) { await S.openCheckout(s.page); await S.fillAddress(s.page, s.addr); }
  for (const s of shoppers) {
    s.orderId = await S.placeOrder(s.page);
    s.want = t.expectedOrder({ orderId: s.orderId, email: s.email, lines: [{ product: s.product, quantity: 1 }], address: s.addr });
    await S.expectOrderPage(s.page, s.want);
  }
  assert.notEqual(a.orderId, b.orderId);

  for (const [me, other] of [[a, b], [b, a]]) {
    await S.expectInHistory(me.page, [me.orderId], { absent: [other.orderId] });
    await me.page.goto(`/orders/${encodeURIComponent(other.orderId)}`);
    await S.expectStatus(me.page, 404);
    const text = await me.page.bodyText();
    assert.ok(!(await me.page.exists('#order-id')), `${t.engine.name} ${me.tag}: another shopper's order page shows #order-id`);
    for (const secret of [other.addr.full_name, other.product.name, other.email]) {
      assert.ok(!text.includes(secret), `${t.engine.name} ${me.tag}: the 404 page for another shopper's order shows "${secret}"`);
    }
    await me.page.goto('/cart');
    assert.ok(!(await me.page.bodyText()).includes(other.product.name), `${t.engine.name} ${me.tag}: the cart shows the other shopper's product`);
  }

  for (const s of shoppers) await t.assertOrders(s.email, [s.want], { password: S.PASSWORD });
  await t.assertStock(stock, shoppers.map((s) => ({ product: s.product, quantity: 1 })));
}

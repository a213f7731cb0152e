// Two shop processes on the same DynamoDB tables behind a round-robin proxy
// (lib/proxy.mjs: each request to the next server in turn), each running
// its order processor inline, as shipped: registration, sign-out and
// sign-in, the cart and the checkout work whichever server answers; the
// checkout form posted to both servers gives one order, accepted once.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'two servers, round-robin proxy';

export async function run(t) {
  const a = await t.api.product(t.catalog.plenty().id);
  const b = await t.api.product(t.catalog.plenty({ notCategory: a.category }).id);
  const stock = await t.stockBefore([a, b]);
  const email = t.email('s16');
  const name = t.personName('s16');
  const addr = S.address('s16');
  const second = await t.secondApp();
  const proxy = await t.proxy([t.app.baseURL, second.baseURL]);
  const ctx = await t.newContext({ via: proxy.url });
  const page = await ctx.newPage('shopper');

  await page.goto('/');
  await S.register(page, { email, name });
  await S.signOut(page);
  await S.signIn(page, { email, name });
  await S.addFromProductPage(page, a, 1);
  await S.addFromProductPage(page, b, 1);
  await page.goto('/cart');
  await S.expectCart(page, [{ product: a, quantity: 1 }, { product: b, quantity: 1 }]);
  await S.setQuantity(page, a, 3);
  const lines = [{ product: a, quantity: 3 }, { product: b, quantity: 1 }];
  await S.expectCart(page, lines);
  await S.openCheckout(page);
  await S.fillAddress(page, addr);
  const form = await page.formOf({ button: 'Place order' });
  const orderId = await S.placeOrder(page);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(page, want);

  // The same checkout form again, to each server in turn (the proxy's turn
  // set so that the posts land on server 1, then server 2).
  for (const server of [0, 1]) {
    proxy.sendNextTo(server);
    await page.submitReplica(form);
    const again = await S.expectConfirmation(page, { total: want.total_cents });
    assert.equal(again, orderId, `${t.engine.name}: the checkout form posted to the other server answered another order`);
  }
  const posts = proxy.requests('POST', /^\/checkout$/);
  for (const p of posts) {
    assert.equal(p.status, 303, `${t.engine.name}: a checkout post to server ${p.upstream + 1} answered ${p.status}`);
    assert.equal(new URL(p.headers.location, proxy.url).pathname, `/orders/${encodeURIComponent(orderId)}`, `${t.engine.name}: server ${p.upstream + 1} sent the checkout to ${p.headers.location}`);
  }
  assert.deepEqual([...new Set(posts.map((p) => p.upstream))].sort(), [0, 1], `${t.engine.name}: the checkout never reached both servers`);
  const per = [0, 1].map((i) => proxy.log.filter((e) => e.upstream === i).length);
  assert.ok(per[0] > 0 && per[1] > 0, `${t.engine.name}: requests per server ${per.join('/')}; want both used`);
  t.note(`requests per server ${per.join('/')}; the checkout posted ${posts.length} times (servers ${posts.map((p) => p.upstream + 1).join(', ')}), one order`);
  await S.expectInHistory(page, [orderId]);
  assert.equal(await page.count('a[href^="/orders/"]'), 1, `${t.engine.name}: the history lists more than one order`);

  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

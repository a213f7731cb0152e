// After signing out, the back button shows no private page: private pages
// are sent with Cache-Control: no-store and the session ends on the server.
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'back button after sign-out';

export async function run(t) {
  const p = await t.api.product(t.catalog.plenty().id);
  const stock = await t.stockBefore([p]);
  const email = t.email('s9');
  const name = t.personName('s9');
  const addr = S.address('s9');
  const ctx = await t.newContext();
  const page = await ctx.newPage('shopper');

  await S.register(page, { email, name });
  await S.addFromProductPage(page, p, 3);
  const lines = [{ product: p, quantity: 3 }];
  await page.goto('/cart');
  await S.expectCart(page, lines);
  await S.openCheckout(page);
  await S.fillAddress(page, addr);
  const orderId = await S.placeOrder(page);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(page, want);

  const privatePages = ['/orders', `/orders/${encodeURIComponent(orderId)}`, '/account', '/cart'];
  for (const path of privatePages) {
    await page.goto(path);
    const doc = await S.expectStatus(page, 200);
    const cc = (doc.headers && doc.headers['cache-control']) || '';
    assert.match(cc, /no-store/, `${t.engine.name}: ${path} is sent with Cache-Control "${cc}"; want no-store`);
  }

  await S.signOut(page);
  const secrets = [name, email, orderId, addr.full_name];
  for (let i = 0; i < privatePages.length + 1; i++) {
    const asked = (await page.documentRequests()).length;
    await page.back();
    const text = await page.bodyText();
    const where = await page.path();
    const how = (await page.documentRequests()).length === asked
      ? 'the browser showed it again without asking the shop (back/forward cache)'
      : 'the shop was asked for it again';
    for (const s of secrets) {
      assert.ok(!text.includes(s), `${t.engine.name}: after signing out, back (${i + 1}x) shows ${where} with "${s}"; ${how}`);
    }
    assert.ok(!(await S.signedIn(page)), `${t.engine.name}: after signing out, back (${i + 1}x) shows ${where} as signed in; ${how}`);
  }

  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

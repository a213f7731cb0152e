// A double click on "Create account": signed in (the second post signs in
// to the account the first created). A double click on "Place order", then
// the back button and the form submitted again: one order. (Below the
// free-shipping threshold, so the order carries 500 cents of shipping.)
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'double click, back and resubmit';

export async function run(t) {
  const p = await t.api.product(t.catalog.plenty({ maxPrice: 4000 }).id);
  const stock = await t.stockBefore([p]);
  const email = t.email('s6');
  const name = t.personName('s6');
  const addr = S.address('s6', { line2: false });
  const ctx = await t.newContext();
  const page = await ctx.newPage('shopper');

  const beforeRegister = (await page.documentRequests()).length;
  await S.register(page, { email, name }, { count: 2 });
  const registerPosts = (await page.documentRequests()).slice(beforeRegister)
    .filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/register');
  t.note(`the double click sent ${registerPosts.length} registration posts`);
  await S.addFromProductPage(page, p, 1);
  const lines = [{ product: p, quantity: 1 }];
  await page.goto('/cart');
  await S.expectCart(page, lines);
  await S.openCheckout(page);
  await S.fillAddress(page, addr);
  const form = await page.formOf({ button: 'Place order' });

  const before = (await page.documentRequests()).length;
  const orderId = await S.placeOrder(page, { count: 2 });
  const posts = (await page.documentRequests()).slice(before).filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/checkout');
  t.note(`the double click sent ${posts.length} checkout posts`);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  assert.equal(want.shipping_cents, 500);
  await S.expectOrderPage(page, want);
  await t.assertOrders(email, [want], { password: S.PASSWORD });

  // Back to the checkout page, and submit it again.
  await page.back();
  const path = await page.path();
  if (await page.has({ button: 'Place order' })) {
    t.note(`back showed ${path} with the form; submitting it again`);
    await page.click({ button: 'Place order' });
  } else {
    t.note(`back showed ${path} without the form (reloaded); posting the same form again`);
    await page.submitReplica(form);
  }
  const again = await S.expectConfirmation(page, { total: want.total_cents });
  assert.equal(again, orderId, `${t.engine.name}: posting the checkout form again answered another order`);
  await page.reload();
  assert.equal(await S.expectConfirmation(page), orderId);
  await S.expectInHistory(page, [orderId]);
  assert.equal(await page.count('a[href^="/orders/"]'), 1, `${t.engine.name}: the history lists more than one order`);

  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

// The full journey of one shopper (scenarios 1 to 3): register (first with
// invalid input), sign out, sign in, search and filter the catalog, add one
// product from the list and one from its page, change a quantity in the
// cart, check out, see the confirmation, see the order accepted (with its
// time) once the shop's order processor took it, find the order in the history,
// open the account page.
import * as S from './steps.mjs';

export async function journey(t, contextOpts, tag) {
  const a = t.catalog.plenty({ minPrice: 1500 });
  const b = t.catalog.plenty({ notCategory: a.category });
  const [pa, pb] = [await t.api.product(a.id), await t.api.product(b.id)]; // prices and names before buying
  const stock = await t.stockBefore([pa, pb]);
  // On a phone, an address as long as real ones get (a long name at a
  // university): no page may grow wider than the screen for it.
  // (No hyphen, where lines may break.)
  const email = contextOpts.phone
    ? `christopher.vanderberg.${t.email(tag).replace(/-/g, '.')}`.replace('@example.com', '@northwesternuniversity.example.com')
    : t.email(tag);
  const name = t.personName(tag);
  const addr = S.address(tag);

  const ctx = await t.newContext(contextOpts);
  const page = await ctx.newPage('shopper');
  await page.goto('/');
  await S.expectStatus(page, 200);

  await S.registerInvalid(page, { email });
  await S.register(page, { email, name });
  await S.signOut(page);
  await S.signIn(page, { email, name });

  await S.searchCatalog(page, pa, t.catalog);
  await S.addFromList(page, pa);
  await S.addFromProductPage(page, pb, 1);

  await page.goto('/cart');
  await S.expectCart(page, [{ product: pa, quantity: 1 }, { product: pb, quantity: 1 }]);
  await S.setQuantity(page, pa, 2);
  const lines = [{ product: pa, quantity: 2 }, { product: pb, quantity: 1 }];
  await S.expectCart(page, lines);
  await page.screenshot('cart');

  await S.openCheckout(page);
  await S.fillAddress(page, addr);
  const orderId = await S.placeOrder(page);
  await S.expectSeeOther(page, /^\/orders\//);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(page, want);
  await page.screenshot('confirmation');
  // The order processor accepts the order after the shopper was answered:
  // the order page shows it, with its time, once reloaded.
  const { history, reloads } = await S.waitForOrderStatus(page, 'accepted');
  t.note(`the order page showed accepted after ${reloads} reloads`);
  const [item] = await t.assertOrders(email, [want], { password: S.PASSWORD });
  await S.expectHistoryShown(page, history, item);
  await S.expectInHistory(page, [orderId]);
  await page.goto('/account'); // shows the email (checked for horizontal scrolling on a phone)
  await S.expectStatus(page, 200);
  await t.assertStock(stock, lines);
}

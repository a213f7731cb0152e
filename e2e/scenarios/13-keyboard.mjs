// Keyboard only: the whole journey with Tab, Shift+Tab, Enter and Space
// (and typing into fields; the country chosen by the select's type-ahead),
// never a click. Every element the focus lands on must show a visible focus
// indicator (it looks different from unfocused: outline, shadow, border or
// background) and be on screen, not covered (scenarios/keyboard.mjs).
import assert from 'node:assert/strict';
import * as S from './steps.mjs';
import { Keyboard, field, link, submitOf } from './keyboard.mjs';

export const title = 'keyboard only, visible focus';

export async function run(t) {
  const a = await t.api.product(t.catalog.plenty().id);
  const b = await t.api.product(t.catalog.plenty({ notCategory: a.category }).id);
  const stock = await t.stockBefore([a, b]);
  const email = t.email('s13');
  const name = t.personName('s13');
  const addr = { ...S.address('s13'), city: 'Paris', postal_code: '75001', country: 'FR' };
  const ctx = await t.newContext();
  const page = await ctx.newPage('shopper');
  const kb = new Keyboard(page);

  await page.goto('/');
  await S.expectStatus(page, 200);
  await kb.fresh();

  // Register: the link from the header (Enter), the form field by field,
  // Shift+Tab back from the button to the last field, then Space on the button.
  await kb.tabTo(link('/register'));
  await kb.activate('Enter');
  assert.match(await page.path(), /^\/register/);
  await kb.fill('email', email);
  await kb.fill('name', name);
  await kb.fill('password', S.PASSWORD);
  await kb.fill('confirm_password', S.PASSWORD);
  const registerButton = submitOf('form:has([name="confirm_password"])');
  await kb.tabTo(registerButton);
  await kb.tabTo(field('confirm_password'), { shift: true });
  await kb.tabTo(registerButton);
  await kb.activate('Space');
  await S.expectSeeOther(page);
  await S.expectSignedIn(page, name);

  // Search the catalog (Enter in the search field submits it) and add the
  // first product from the list with Space on its button.
  await kb.tabTo(link('/products'));
  await kb.activate('Enter');
  const word = a.name.split(/[^A-Za-z]+/).filter((x) => x.length >= 3).sort((x, y) => y.length - x.length)[0];
  await kb.fill('q', word);
  await kb.activate('Enter');
  assert.equal(new URL(await page.url()).searchParams.get('q'), word, `${t.engine.name}: the search was not submitted`);
  await kb.tabTo(submitOf(`form[action="/cart/items"]:has(input[name="product_id"][value="${a.id}"])`));
  await kb.activate('Space');
  await S.expectSeeOther(page);

  // The second product: its page by its link (Enter), quantity 2 typed
  // over the field's value (Tab selects it), then Enter on the button.
  await page.goto(`/products?q=${encodeURIComponent(b.name)}`);
  await kb.fresh();
  await kb.tabTo(`main ${link(`/products/${encodeURIComponent(b.id)}`)}`);
  await kb.activate('Enter');
  assert.equal(await page.text('h1'), b.name);
  await kb.fill('quantity', '2');
  await kb.tabTo(submitOf('form[action="/cart/items"]'));
  await kb.activate('Enter');
  await S.expectSeeOther(page);

  // The cart, from the header's link; then the checkout link.
  await kb.tabTo(link('/cart'));
  await kb.activate('Enter');
  const lines = [{ product: a, quantity: 1 }, { product: b, quantity: 2 }];
  await S.expectCart(page, lines);
  await kb.tabTo(link('/checkout'));
  await kb.activate('Enter');
  assert.equal(new URL(await page.url()).pathname, '/checkout');

  for (const f of ['full_name', 'address_line1', 'address_line2', 'city', 'postal_code']) await kb.fill(f, addr[f]);
  await kb.fill('country', 'France');
  assert.equal(await page.js(() => document.querySelector('[name="country"]').value), 'FR', `${t.engine.name}: typing "France" on the country select did not choose FR`);
  await kb.tabTo(submitOf('form[action="/checkout"]'));
  await kb.activate('Enter');
  const orderId = await S.expectConfirmation(page);
  await S.expectSeeOther(page, /^\/orders\//);
  const want = t.expectedOrder({ orderId, email, lines, address: addr });
  await S.expectOrderPage(page, want);

  // Back to the order history from the header, by keyboard.
  await kb.tabTo(link('/orders'));
  await kb.activate('Enter');
  assert.ok(await page.has({ href: `/orders/${orderId}` }), `${t.engine.name}: the order is not in the history`);
  t.note(`${kb.tabs} Tab and ${kb.shiftTabs} Shift+Tab presses, ${kb.focusChecks} focus indicators checked on ${kb.seen.size} elements`);

  await t.assertOrders(email, [want], { password: S.PASSWORD });
  await t.assertStock(stock, lines);
}

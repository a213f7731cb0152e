// Cookies blocked by the browser: the shop says clearly that signing in
// needs cookies, and nothing breaks (no error page, every page still checked).
import assert from 'node:assert/strict';
import * as S from './steps.mjs';

export const title = 'cookies blocked';

async function expectCookieMessage(t, page, what) {
  const alerts = await page.js(() => [...document.querySelectorAll('[role=alert], [role=status]')].map((e) => e.textContent.replace(/\s+/g, ' ').trim()).join(' | '));
  assert.match(alerts, /cookie/i, `${t.engine.name} ${what} at ${await page.path()}: no message about cookies in an alert; alerts: "${alerts}"; page: ${(await page.mainText()).slice(0, 300)}`);
  t.note(`${what}: "${alerts.slice(0, 160)}"`);
}

export async function run(t) {
  const p = await t.api.product(t.catalog.plenty().id);
  const stock = await t.stockBefore([p]);
  const email = t.email('s8');
  const name = t.personName('s8');
  const ctx = await t.newContext({ cookies: false });
  const page = await ctx.newPage('shopper');

  await page.goto('/');
  await S.expectStatus(page, 200);
  await S.searchCatalog(page, p, t.catalog);

  // Registering creates the account, but the session cannot be kept.
  await page.goto('/register');
  await page.fillForm({ email, name, password: S.PASSWORD, confirm_password: S.PASSWORD });
  await page.click({ submitOf: 'confirm_password' });
  assert.ok((await page.lastDocument()).status < 500);
  await expectCookieMessage(t, page, 'after registering');
  assert.ok(!(await S.signedIn(page)), `${t.engine.name}: shown as signed in without cookies`);

  // Signing in says so too.
  await page.goto('/login');
  await page.fillForm({ email, password: S.PASSWORD });
  await page.click({ submitOf: 'password' });
  assert.ok((await page.lastDocument()).status < 500);
  await expectCookieMessage(t, page, 'after signing in');
  assert.ok(!(await S.signedIn(page)), `${t.engine.name}: shown as signed in without cookies`);

  // A guest cart cannot be kept either; the cart page says why.
  await page.goto(`/products/${encodeURIComponent(p.id)}`);
  await page.click({ submitOf: 'form[action="/cart/items"]' });
  assert.ok((await page.lastDocument()).status < 500);
  assert.match(await page.mainText(), /cookie/i, `${t.engine.name}: the cart page does not say that it needs cookies`);
  t.note(`cart: "${(await page.mainText()).slice(0, 160)}"`);

  // Checkout still asks for a sign-in, and pages keep working.
  await page.goto('/checkout');
  assert.match(await page.path(), /^\/login\?/, `${t.engine.name}: /checkout without a session`);
  await page.goto('/products');
  await S.expectStatus(page, 200);

  await t.assertOrders(email, []);
  await t.assertStock(stock, []);
}

// The seller's side (issue 10): a staff account made with the program's own
// command line (`storefront staff add`, the password on standard input,
// the running shop's environment) signs in with its password and a TOTP
// code (a wrong code first: 401, the field's message; the used code again
// from another browser: 401, that browser gets in with the next step's
// code at the end), creates a product
// on /admin/products, uploads its photo, restocks it; a shopper buys some of
// it, staff changing its price while the shopper is on the checkout page
// (409, nothing ordered; "Confirm new prices" keeps the address typed and
// the order is at the new price); the shop's order processor accepts the order; staff move it accepted ->
// shipped (shipping without a tracking number first: 422) and the shopper
// sees the tracking number and the history with its times. DynamoDB then
// holds the orders item as placed plus exactly the status changes'
// attributes (accepted by the processor, shipped by the staff member), and
// the product item with its photo and stock =
// created + restocked - bought. Every page, the staff's too, is checked
// (axe-core, console, failed requests) as it is shown.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as S from './steps.mjs';
import { freshCode, wrongCode, stepAt } from '../lib/totp.mjs';
import { png } from '../lib/png.mjs';
import { assertChangedOrderItem, assertProductItem, asPlaced, PROCESSOR_ACTOR } from '../lib/dynamo.mjs';

export const title = 'staff: sign-in with a code, new product, photo, restock, order shipped';

const CREATED_STOCK = 5;
const RESTOCK = 7;
const BOUGHT = 2;
const REPRICED_CENTS = 2590;
const STAFF_NAV = 'nav[aria-label="Staff area"]';

async function where(page) { return `${page.engine.name} ${page.label} at ${await page.path()}`; }

/** addStaff runs `storefront staff add` and returns the account with its TOTP secret and id. */
async function addStaff(t) {
  const staff = { email: t.email('s10-staff'), name: `Staff Member ${t.rand}` };
  const { stdout } = await t.storefront(['staff', 'add', '--email', staff.email, '--name', staff.name], `${S.PASSWORD}\n`);
  const m = stdout.match(/^totp_secret=([A-Z2-7]+=*)$/m);
  assert.ok(m, `storefront staff add printed no totp_secret=BASE32 line: ${stdout}`);
  staff.secret = m[1];
  staff.id = await t.dynamo.userIdOf(staff.email);
  return staff;
}

/** passwordStep signs in with the password and expects to be asked for the code. */
async function passwordStep(page, staff) {
  await page.goto('/login');
  await page.fillForm({ email: staff.email, password: S.PASSWORD });
  await page.click({ submitOf: 'password' });
  await S.expectSeeOther(page, /^\/login\/code/);
}

/** refusedCode enters a code the shop must refuse: 401, the field's message, not signed in. */
async function refusedCode(page, code) {
  await page.fill('code', code);
  await page.click({ submitOf: 'code' });
  await S.expectStatus(page, 401);
  await S.expectFieldError(page, 'code');
  assert.ok(!(await S.signedIn(page)), `${await where(page)}: signed in with a wrong or used code`);
}

/** codeStep enters code and expects to be signed in, and let into the staff area. */
async function codeStep(page, staff, code) {
  await page.fill('code', code);
  await page.click({ submitOf: 'code' });
  await S.expectSeeOther(page);
  await S.expectSignedIn(page, staff.name);
  await page.click({ href: '/admin' });
  await S.expectStatus(page, 200);
}

/**
 * signInStaff: the staff area is hidden from guests; the password step, a
 * wrong code, then a current one. It returns the code and its step.
 */
async function signInStaff(page, staff) {
  await page.goto('/admin');
  await S.expectStatus(page, 404);
  await passwordStep(page, staff);
  await refusedCode(page, wrongCode(staff.secret));
  const used = await freshCode(staff.secret);
  await codeStep(page, staff, used.code);
  return used;
}

/** createProduct fills the new-product form and checks the product's page it leads to. */
async function createProduct(page, product) {
  await page.click({ href: '/admin/products', within: STAFF_NAV });
  await S.expectStatus(page, 200);
  await page.click({ href: '/admin/products/new' });
  await S.expectStatus(page, 200);
  await page.fillForm({
    id: product.id, name: product.name, description: product.description, category: product.category,
    price_cents: product.price_cents, stock: product.stock,
  });
  assert.ok(await page.js(() => document.querySelector('input[name="active"]').checked), `${await where(page)}: a new product is not on sale by default`);
  await page.click({ button: 'Create product' });
  await S.expectSeeOther(page, new RegExp(`^/admin/products/${product.id}\\?saved=created$`));
  assert.equal(await page.text('h1'), product.name, `${await where(page)}: heading`);
  assert.match(await page.text('#product-stock'), new RegExp(`\\b${product.stock}\\b`), `${await where(page)}: #product-stock`);
  // The staff's list finds it.
  await page.click({ href: '/admin/products', within: STAFF_NAV });
  await page.fillForm({ q: product.name });
  await page.click({ submitOf: 'q' });
  await S.expectStatus(page, 200);
  assert.ok(await page.exists(`tr[data-product-id="${product.id}"]`), `${await where(page)}: the search does not list ${product.id}`);
  await page.click({ href: `/admin/products/${product.id}` });
  await S.expectStatus(page, 200);
}

/** uploadPhoto uploads a generated PNG on the product's photo page. */
async function uploadPhoto(t, page, product) {
  await page.click({ href: `/admin/products/${product.id}/image` });
  await S.expectStatus(page, 200);
  const file = path.join(os.tmpdir(), `e2e-s10-${t.engine.name}-${t.rand}.png`);
  // Wider than the card size (600 px), so the card and page sizes differ.
  fs.writeFileSync(file, png(800, 600, parseInt(t.rand.slice(0, 2), 16)));
  try {
    await page.upload('image', file);
    await page.click({ button: 'Upload photo' });
  } finally {
    fs.rmSync(file, { force: true });
  }
  await S.expectSeeOther(page, new RegExp(`^/admin/products/${product.id}/image\\?saved=1$`));
  assert.match(await page.text('#photo-status'), /photo/i, `${await where(page)}: #photo-status`);
  const src = await page.attr('figure img', 'src');
  assert.match(src || '', /^\/images\//, `${await where(page)}: the photo page shows ${src}, not the uploaded photo`);
}

/** restock adds delta on the product's page and checks the stock shown. */
async function restock(page, product, delta, want) {
  await page.click({ href: `/admin/products/${product.id}` });
  await S.expectStatus(page, 200);
  await page.fill('delta', `+${delta}`);
  await page.click({ button: 'Change stock' });
  await S.expectSeeOther(page, new RegExp(`^/admin/products/${product.id}\\?saved=stock$`));
  assert.match(await page.text('#product-stock'), new RegExp(`\\b${want}\\b`), `${await where(page)}: #product-stock after +${delta}`);
}

/** reprice changes the product's price on its staff page and returns the product as it is now. */
async function reprice(page, product, priceCents) {
  await page.goto(`/admin/products/${product.id}`);
  await S.expectStatus(page, 200);
  await page.fill('price_cents', priceCents);
  await page.click({ button: 'Save changes' });
  await S.expectSeeOther(page, new RegExp(`^/admin/products/${product.id}\\?saved=edited$`));
  return { ...product, price_cents: priceCents };
}

/**
 * buy: a shopper sees the new product with its photo and orders quantity of
 * it; it returns the shopper with the orders item once the processor
 * accepted the order (t.assertOrders waits for that). While the shopper is
 * on the checkout page, changePrice (staff) changes the product's price:
 * the order is refused (409, nothing ordered), and "Confirm new prices"
 * shows the checkout again at the new price with the address typed kept.
 */
async function buy(t, product, quantity, changePrice) {
  const shopper = { email: t.email('s10'), name: t.personName('s10'), addr: S.address('s10') };
  const ctx = await t.newContext();
  const page = await ctx.newPage('shopper');
  await S.register(page, shopper);
  await page.goto(`/products/${encodeURIComponent(product.id)}`);
  await S.expectStatus(page, 200);
  const srcset = await page.attr('main img', 'srcset');
  assert.match(srcset || '', /\/images\//, `${await where(page)}: the product page does not show the photo (srcset ${srcset})`);
  await S.addFromProductPage(page, product, quantity);
  await S.expectCart(page, [{ product, quantity }]);
  await S.openCheckout(page);
  await S.fillAddress(page, shopper.addr);
  const repriced = await changePrice(product);
  await page.click({ button: 'Place order' });
  await S.expectStatus(page, 409);
  assert.ok(await page.exists('#prices-changed'), `${await where(page)}: no "Confirm new prices" after the price changed`);
  await page.click({ button: 'Confirm new prices' });
  await S.expectStatus(page, 200);
  assert.ok(!(await page.exists('#prices-changed')), `${await where(page)}: the prices still need confirming after confirming them`);
  const typed = await page.js(() => Object.fromEntries([...new FormData(document.querySelector('form[action="/checkout"]'))]
    .filter(([name]) => name !== 'checkout_key' && name !== 'cart_version')));
  assert.deepEqual(typed, shopper.addr, `${await where(page)}: the address after confirming the new prices`);
  const lines = [{ product: repriced, quantity }];
  const orderId = await S.placeOrder(page);
  const want = t.expectedOrder({ orderId, email: shopper.email, lines, address: shopper.addr });
  await S.expectOrderPage(page, want);
  const [accepted] = await t.assertOrders(shopper.email, [want], { password: S.PASSWORD });
  return { ...shopper, page, orderId, accepted, product: repriced };
}

async function expectOrderStatus(page, status) {
  await S.expectStatus(page, 200);
  assert.equal(await page.text('#order-status'), status, `${await where(page)}: #order-status`);
}

/** actorsShown reads who made each change on the staff's order page: {status: actor}. */
async function actorsShown(page) {
  return page.js(() => Object.fromEntries([...document.querySelectorAll('#status-history [data-status]')]
    .map((e) => [e.getAttribute('data-status'), (e.querySelector('.actor') || {}).textContent || null])));
}

/**
 * shipOrder: staff find the order, accepted by the order processor (and
 * named so), and move it to shipped (after one refusal without a tracking
 * number).
 */
async function shipOrder(page, orderId, tracking, staff) {
  await page.click({ href: '/admin/orders', within: STAFF_NAV });
  await S.expectStatus(page, 200);
  await page.click({ href: `/admin/orders/${orderId}` });
  await expectOrderStatus(page, 'accepted');
  assert.equal((await actorsShown(page)).accepted, PROCESSOR_ACTOR, `${await where(page)}: who accepted the order`);
  // Shipping needs a tracking number.
  await page.click({ button: 'Mark as shipped' });
  await S.expectStatus(page, 422);
  await S.expectFieldError(page, 'tracking_number');
  assert.equal(await page.text('#order-status'), 'accepted', `${await where(page)}: the refused change changed the status`);
  await page.fill('tracking_number', tracking);
  await page.click({ button: 'Mark as shipped' });
  await S.expectSeeOther(page, new RegExp(`^/admin/orders/${orderId}$`));
  await expectOrderStatus(page, 'shipped');
  assert.equal(await page.text('#tracking-number'), tracking, `${await where(page)}: #tracking-number`);
  const history = await page.js(() => [...document.querySelectorAll('#status-history [data-status]')].map((e) => e.getAttribute('data-status')));
  assert.deepEqual(history, ['placed', 'accepted', 'shipped'], `${await where(page)}: #status-history`);
  const actors = await actorsShown(page);
  assert.deepEqual([actors.accepted, actors.shipped], [PROCESSOR_ACTOR, staff.id], `${await where(page)}: who made the changes`);
}

export async function run(t) {
  const categories = (await t.api.categories()).items;
  assert.ok(categories.length, 'the shop has no categories');
  const product = {
    id: `e2e-desk-tidy-${t.engine.name}-${t.rand}`,
    name: `Walnut Desk Tidy ${t.rand}`,
    description: 'A desk tidy turned from one piece of walnut. It holds pens, a phone and the odd paper clip.',
    category: categories[0].id,
    price_cents: 2475,
    stock: CREATED_STOCK,
    active: true,
  };
  const tracking = `1Z${t.rand.toUpperCase()}E2E${t.engine.name.length}`;

  const staff = await addStaff(t);
  const ctx = await t.newContext();
  const page = await ctx.newPage('staff');
  // The same code again, from another browser (still within its step and
  // the skew the shop allows): refused, as used. That browser gets in with
  // a code of a later step, at the end. It is at the code step before the
  // first signs in, so that only the refusal comes between the code's use
  // and its second try (a new browser takes seconds to start).
  const ctx2 = await t.newContext();
  const second = await ctx2.newPage('staff2');
  await passwordStep(second, staff);
  const used = await signInStaff(page, staff);
  await refusedCode(second, used.code);
  assert.ok(stepAt(Date.now()) <= used.step + 1, `${t.engine.name}: the used code was tried again too late to show that it is single use`);
  await createProduct(page, product);
  await uploadPhoto(t, page, product);
  await restock(page, product, RESTOCK, CREATED_STOCK + RESTOCK);

  const shown = await t.api.product(product.id);
  assert.equal(shown.price_cents, product.price_cents, `API: price of ${product.id}`);
  const shopper = await buy(t, shown, BOUGHT, (p) => reprice(page, p, REPRICED_CENTS));
  product.price_cents = shopper.product.price_cents;

  await shipOrder(page, shopper.orderId, tracking, staff);
  await shopper.page.goto(`/orders/${encodeURIComponent(shopper.orderId)}`);
  await expectOrderStatus(shopper.page, 'shipped');
  assert.equal(await shopper.page.text('#tracking-number'), tracking, `${t.engine.name} shopper: #tracking-number on the order page`);
  const shownToShopper = await S.historyShown(shopper.page);

  // The staff list shows the new member; the audit log names the order's changes.
  await page.click({ href: '/admin/staff', within: STAFF_NAV });
  await S.expectStatus(page, 200);
  assert.ok((await page.mainText()).includes(staff.email), `${await where(page)}: the staff list does not show ${staff.email}`);
  await page.click({ href: '/admin/audit', within: STAFF_NAV });
  await S.expectStatus(page, 200);
  assert.ok((await page.mainText()).includes(shopper.orderId), `${await where(page)}: the audit log does not name order ${shopper.orderId}`);
  await page.click({ href: '/admin', within: STAFF_NAV });
  await S.expectStatus(page, 200);
  assert.ok(await page.exists(`a[href="/admin/orders/${shopper.orderId}"]`), `${await where(page)}: the dashboard's recent orders do not list ${shopper.orderId}`);

  const next = await freshCode(staff.secret, { after: used.step });
  t.note(`the second browser's code is of step ${next.step}, ${next.step - used.step} after the first`);
  await codeStep(second, staff, next.code);

  const shipped = await t.dynamo.orderItem(shopper.orderId);
  assertChangedOrderItem(shipped, asPlaced(shopper.accepted), {
    changes: [{ status: 'accepted', actor: PROCESSOR_ACTOR }, { status: 'shipped', actor: staff.id }],
    tracking, after: t.startedAt, before: Date.now(),
  });
  assert.deepEqual(shipped.status_history.L[0], shopper.accepted.status_history.L[0],
    `orders item ${shopper.orderId}: shipping changed the processor's acceptance entry`);
  await S.expectHistoryShown(shopper.page, shownToShopper, shipped);
  const stock = CREATED_STOCK + RESTOCK - BOUGHT;
  const photo = assertProductItem(await t.dynamo.productItem(product.id), { ...product, stock, photo: true });
  const after = await t.api.product(product.id);
  assert.equal(after.stock, stock, `API: stock of ${product.id}`);
  assert.ok(after.image_url.endsWith(`/images/${photo.page}`), `API: image_url of ${product.id} is ${after.image_url}; want the photo ${photo.page}`);
}

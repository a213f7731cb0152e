// What a shopper does, step by step, written once for every engine. Pages
// are found by the contract's routes, field names and ids, and by roles and
// labels; never by styling classes.
import assert from 'node:assert/strict';
import { cents } from '../lib/api.mjs';
import { fieldDescription } from '../lib/browser-fns.mjs';

export const PASSWORD = 'violet-harbour-lantern-42';

/** money as the shop shows it: $1,234.56 (a comma-free form is accepted too). */
export function money(c) {
  const d = Math.floor(c / 100);
  return `$${d.toLocaleString('en-US')}.${String(c % 100).padStart(2, '0')}`;
}
function shows(text, c) {
  return text.includes(money(c)) || text.includes(`$${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);
}

export function address(tag, { line2 = true } = {}) {
  return {
    full_name: `Ada Lovelace ${tag}`,
    address_line1: '12 Analytical Street',
    address_line2: line2 ? 'Flat 3' : '',
    city: 'London',
    postal_code: 'N1 9GU',
    country: 'GB',
  };
}

async function where(page) { return `${page.engine.name} ${page.label} at ${await page.path()}`; }

/**
 * expectStatus asserts the HTTP status of the page shown. A 304 Not
 * Modified stands for 200: the browser revalidated the page it had (the
 * shop's ETag on pages the same for every visitor) and shows that 200.
 */
export async function expectStatus(page, want) {
  const doc = await page.lastDocument();
  assert.ok(doc, `${await where(page)}: no response recorded`);
  const got = doc.status === 304 && want === 200 ? 200 : doc.status;
  assert.equal(got, want, `${await where(page)}: status ${doc.status}; want ${want}`);
  return doc;
}

/** expectSeeOther asserts that the last form post answered 303 and led to a path matching re. */
export async function expectSeeOther(page, re) {
  const doc = await page.lastDocument();
  const w = await where(page);
  assert.ok(doc && doc.chain && doc.chain.length > 0, `${w}: want a 303 See Other after the form post, got no redirect (status ${doc && doc.status})`);
  assert.equal(doc.chain[doc.chain.length - 1].status, 303, `${w}: the form post answered ${doc.chain[doc.chain.length - 1].status}; want 303`);
  if (re) assert.match(await page.path(), re, `${w}: after the form post`);
  assert.ok(doc.status === 200 || doc.status === 304, `${w}: the page after the 303 answered ${doc.status}`); // 304: the page the browser had, revalidated
}

export async function signedIn(page) { return page.has({ submitOf: 'form[action="/logout"]' }); }

export async function expectSignedIn(page, name) {
  assert.ok(await signedIn(page), `${await where(page)}: want signed in (a sign-out button), there is none`);
  if (name) assert.ok((await page.bodyText()).includes(name), `${await where(page)}: the page does not show the signed-in name ${name}`);
}

export async function expectSignedOut(page) {
  assert.ok(!(await signedIn(page)), `${await where(page)}: still signed in (a sign-out button is shown)`);
  assert.ok(await page.has({ href: '/login' }), `${await where(page)}: no link to /login after signing out`);
}

/** registerInvalid posts the register form with every field wrong and checks every message. */
export async function registerInvalid(page, { email }) {
  await page.goto('/register');
  await expectStatus(page, 200);
  const bad = { email: 'not-an-email', name: '', password: 'short', confirm_password: 'different' };
  await page.fillForm(bad);
  await page.click({ submitOf: 'confirm_password' });
  await expectStatus(page, 422);
  assert.match(await page.path(), /^\/register/, `${await where(page)}: the invalid form must be shown again`);
  for (const field of ['email', 'name', 'password', 'confirm_password']) {
    const { value } = await expectFieldError(page, field);
    const w = `${await where(page)}: field ${field}`;
    if (field === 'email') assert.equal(value, bad.email, `${w}: the value entered must be kept`);
    if (field.includes('password')) assert.equal(value, '', `${w}: a password must never be written back`);
  }
  return email;
}

/**
 * expectFieldError checks a refused field as the contract says: its
 * message in FIELD-error, named by the field's aria-describedby, and
 * aria-invalid="true" (in Chromium the accessibility tree's description
 * includes the message too). It returns the message and the field's value.
 */
export async function expectFieldError(page, field) {
  const d = await page.js(fieldDescription, field);
  const w = `${await where(page)}: field ${field}`;
  assert.ok(!d.error, `${w}: ${d.error}`);
  assert.ok(d.describedby.includes(`${field}-error`), `${w}: aria-describedby is "${d.describedby.join(' ')}"; want it to name ${field}-error`);
  const i = d.describedby.indexOf(`${field}-error`);
  assert.ok(d.texts[i], `${w}: #${field}-error is missing or empty`);
  assert.equal(d.invalid, 'true', `${w}: aria-invalid is ${d.invalid}; want "true"`);
  const acc = await page.accessibleDescription?.(field);
  if (acc !== null && acc !== undefined) {
    assert.ok(acc.includes(d.texts[i]), `${w}: the accessibility tree describes it as "${acc}"; want it to include "${d.texts[i]}"`);
  }
  return { message: d.texts[i], value: d.value };
}

/** register creates the account through the form (count: clicks on "Create account") and expects to be signed in. */
export async function register(page, { email, name, password = PASSWORD }, { count = 1 } = {}) {
  await page.goto('/register');
  await page.fillForm({ email, name, password, confirm_password: password });
  await page.click({ submitOf: 'confirm_password' }, { count });
  await expectSeeOther(page);
  await expectSignedIn(page, name);
}

export async function signOut(page) {
  await page.click({ submitOf: 'form[action="/logout"]' });
  await expectSeeOther(page);
  await expectSignedOut(page);
}

export async function signIn(page, { email, name, password = PASSWORD }) {
  if (!/^\/login/.test(await page.path())) {
    await page.click({ href: '/login' });
  }
  await page.fillForm({ email, password });
  await page.click({ submitOf: 'password' });
  await expectSeeOther(page);
  await expectSignedIn(page, name);
}

/** productLinks lists the product ids the catalog page links to. */
export async function productLinks(page) {
  const hrefs = await page.js(() => [...document.querySelectorAll('main a[href^="/products/"]')].map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.map((h) => decodeURIComponent(h.slice('/products/'.length))))];
}

/** searchCatalog searches by a word of the product's name within its category. */
export async function searchCatalog(page, product, catalog) {
  await page.goto('/products');
  await expectStatus(page, 200);
  const word = product.name.split(/[^A-Za-z]+/).filter((x) => x.length >= 3).sort((a, b) => b.length - a.length)[0] || product.name;
  // Category and sort are folded into the "Filter and sort" disclosure
  // (a <details>, no script): open it as a shopper does.
  assert.ok(await page.exists('#catalog-filters:not([open])'), `${await where(page)}: the catalog's filters must start folded`);
  await page.click('#catalog-filters > summary', { navigate: false });
  await page.fillForm({ q: word, category: product.category, sort: 'price_asc' });
  await page.click({ submitOf: 'q' });
  await expectStatus(page, 200);
  const u = new URL(await page.url());
  assert.equal(u.pathname, '/products', `${await where(page)}: search must stay on /products`);
  assert.equal(u.searchParams.get('q'), word, `${await where(page)}: q`);
  assert.equal(u.searchParams.get('category'), product.category, `${await where(page)}: category`);
  const ids = await productLinks(page);
  assert.ok(ids.includes(product.id), `${await where(page)}: searching "${word}" in ${product.category} does not list ${product.id}; lists ${ids.join(', ')}`);
  const byId = new Map(catalog.products.map((p) => [p.id, p]));
  const prices = [];
  for (const id of ids) {
    const p = byId.get(id);
    assert.ok(p, `${await where(page)}: lists unknown product ${id}`);
    assert.equal(p.category, product.category, `${await where(page)}: category filter lists ${id} of ${p.category}`);
    assert.ok(`${p.name} ${p.description}`.toLowerCase().includes(word.toLowerCase()), `${await where(page)}: "${word}" matches ${id} (${p.name})?`);
    prices.push(p.price_cents);
  }
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b), `${await where(page)}: sort=price_asc order is ${prices.join(', ')}`);
}

/** addFromList clicks the add-to-cart form of a product on the catalog page shown. */
export async function addFromList(page, product) {
  await page.click({ submitOf: `form[action="/cart/items"]:has(input[name="product_id"][value="${product.id}"])` });
  await expectSeeOther(page);
}

/** addFromProductPage opens the product page, checks it and adds quantity. */
export async function addFromProductPage(page, product, quantity = 1) {
  await page.goto(`/products/${encodeURIComponent(product.id)}`);
  await expectStatus(page, 200);
  assert.equal(await page.text('h1'), product.name, `${await where(page)}: product page heading`);
  const main = await page.mainText();
  assert.ok(shows(main, product.price_cents), `${await where(page)}: product page does not show the price ${money(product.price_cents)}`);
  assert.ok(main.includes(product.description.slice(0, 40)), `${await where(page)}: product page does not show the description`);
  await page.fill({ field: 'quantity', within: 'form[action="/cart/items"]' }, quantity);
  await page.click({ submitOf: 'form[action="/cart/items"]' });
  await expectSeeOther(page);
}

/** setQuantity changes a cart line's quantity on the cart page. */
export async function setQuantity(page, product, quantity) {
  const line = `[data-product-id="${product.id}"]`;
  await page.fill({ field: 'quantity', within: line }, quantity);
  await page.click({ submitOf: `${line} form:has(input[name="quantity"]:not([type=hidden]))` });
  await expectSeeOther(page, /^\/cart/);
}

/** expectCart checks the cart page: exactly these lines, each with name, prices, quantity, and the subtotal. */
export async function expectCart(page, lines) {
  if (!/^\/cart/.test(await page.path())) await page.goto('/cart');
  await expectStatus(page, 200);
  const w = await where(page);
  const shown = await page.js(() => [...document.querySelectorAll('[data-product-id]')].map((e) => ({
    id: e.getAttribute('data-product-id'),
    text: e.innerText.replace(/\s+/g, ' '),
    qty: (e.querySelector('input[name="quantity"]:not([type=hidden])') || {}).value,
  })));
  assert.deepEqual(shown.map((l) => l.id).sort(), lines.map((l) => l.product.id).sort(), `${w}: cart lines`);
  let subtotal = 0;
  for (const { product, quantity } of lines) {
    const l = shown.find((x) => x.id === product.id);
    assert.ok(l.text.includes(product.name), `${w}: line ${product.id} does not show its name`);
    assert.ok(shows(l.text, product.price_cents), `${w}: line ${product.id} does not show the unit price ${money(product.price_cents)}: ${l.text}`);
    assert.ok(shows(l.text, product.price_cents * quantity), `${w}: line ${product.id} does not show the line total ${money(product.price_cents * quantity)}: ${l.text}`);
    assert.equal(Number(l.qty), quantity, `${w}: line ${product.id} quantity`);
    subtotal += product.price_cents * quantity;
  }
  if (lines.length) assert.equal(cents(await page.text('#cart-subtotal')), subtotal, `${w}: #cart-subtotal`);
  return subtotal;
}

/** openCheckout goes from the cart to the checkout page. */
export async function openCheckout(page) {
  if (!/^\/cart/.test(await page.path())) await page.goto('/cart');
  await page.click({ href: '/checkout' });
  await expectStatus(page, 200);
  assert.equal(new URL(await page.url()).pathname, '/checkout', `${await where(page)}: want the checkout page`);
}

export async function fillAddress(page, addr) {
  await page.fillForm(addr, 'form[action="/checkout"]');
}

/** placeOrder submits the checkout form and returns the order id of the confirmation page. */
export async function placeOrder(page, { count = 1 } = {}) {
  await page.click({ button: 'Place order' }, { count });
  return expectConfirmation(page);
}

export async function expectConfirmation(page, { total } = {}) {
  const w = await where(page);
  const m = (await page.path()).match(/^\/orders\/([^/?#]+)$/);
  assert.ok(m, `${w}: want the order confirmation /orders/{id}`);
  await expectStatus(page, 200);
  const id = decodeURIComponent(m[1]);
  assert.equal(await page.text('#order-id'), id, `${w}: #order-id`);
  if (total !== undefined) assert.equal(cents(await page.text('#order-total')), total, `${w}: #order-total`);
  return id;
}

/** expectOrderPage checks the order page against the expected order. */
export async function expectOrderPage(page, want) {
  const id = await expectConfirmation(page, { total: want.total_cents });
  assert.equal(id, want.order_id);
  const main = await page.mainText();
  const w = await where(page);
  for (const it of want.items) {
    assert.ok(main.includes(it.name), `${w}: the order page does not show ${it.name}`);
    assert.ok(shows(main, it.line_total_cents), `${w}: the order page does not show the line total ${money(it.line_total_cents)}`);
  }
  assert.ok(main.includes(want.shipping_address.full_name), `${w}: the order page does not show the address`);
}

/** expectInHistory finds the order on /orders. */
export async function expectInHistory(page, orderIds, { absent = [] } = {}) {
  await page.goto('/orders');
  await expectStatus(page, 200);
  for (const id of orderIds) {
    assert.ok(await page.has({ href: `/orders/${id}` }), `${await where(page)}: order ${id} is not in the history`);
  }
  for (const id of absent) {
    assert.ok(!(await page.exists(`a[href="/orders/${id}"]`)), `${await where(page)}: another shopper's order ${id} is listed`);
    assert.ok(!(await page.bodyText()).includes(id), `${await where(page)}: another shopper's order ${id} is shown`);
  }
}

/**
 * historyShown reads the order page's status history: [{status, at, text}],
 * oldest first; at is the entry's time element's datetime, text what it shows.
 */
export async function historyShown(page) {
  return page.js(() => [...document.querySelectorAll('#status-history [data-status]')].map((e) => {
    const time = e.querySelector('time');
    return { status: e.getAttribute('data-status'), at: time && time.getAttribute('datetime'), text: time ? time.textContent.trim() : '' };
  }));
}

/**
 * waitForOrderStatus reloads the order page shown until #order-status reads
 * status (the shop's order processor changes the order after the shopper
 * was answered), for at most withinMs. It returns the history shown
 * (historyShown) and how many reloads it took.
 */
export async function waitForOrderStatus(page, status, { withinMs = 15000 } = {}) {
  const deadline = Date.now() + withinMs;
  for (let reloads = 0; ; reloads++) {
    const shown = await page.text('#order-status');
    if (shown === status) return { history: await historyShown(page), reloads };
    assert.ok(Date.now() < deadline, `${await where(page)}: #order-status still reads "${shown}" after ${withinMs / 1000} s of reloading; want "${status}"`);
    await new Promise((r) => setTimeout(r, 500));
    await page.reload();
    await expectStatus(page, 200);
  }
}

/**
 * expectHistoryShown checks the status history an order page showed
 * (historyShown) against the orders item: placed at created_at, then each
 * entry of status_history, each with its time (datetime RFC 3339 UTC, the
 * item's time to the second) and that time written out.
 */
export async function expectHistoryShown(page, shown, item) {
  const onPage = await where(page);
  const want = [{ status: 'placed', at: item.created_at.S },
    ...((item.status_history && item.status_history.L) || []).map((e) => ({ status: e.M.status.S, at: e.M.at.S }))];
  assert.deepEqual(shown.map((e) => e.status), want.map((e) => e.status), `${onPage}: #status-history`);
  shown.forEach((e, i) => {
    const w = `${onPage}: #status-history entry ${e.status}`;
    assert.match(e.at || '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, `${w}: its time's datetime "${e.at}" is not RFC 3339 UTC`);
    const second = (at) => Math.floor(Date.parse(at) / 1000);
    assert.equal(second(e.at), second(want[i].at), `${w}: shows ${e.at}; the orders item has ${want[i].at}`);
    assert.ok(e.text, `${w}: its time is not written out`);
  });
}

// The shop's JSON API (contract: /api/v1), used to read the catalog and the
// buyer's id; the browser does everything a shopper does.
import assert from 'node:assert/strict';

export class API {
  constructor(baseURL) { this.baseURL = baseURL; }

  async call(method, path, { body, token, headers = {} } = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (token) h.Authorization = `Bearer ${token}`;
    const r = await fetch(this.baseURL + '/api/v1' + path, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: r.status, json, text };
  }

  async ok(method, path, want, opts) {
    const r = await this.call(method, path, opts);
    assert.equal(r.status, want, `${method} /api/v1${path}: status ${r.status}; want ${want}; body ${r.text.slice(0, 300)}`);
    return r.json;
  }

  /** products lists the whole catalog. */
  async products() {
    const all = [];
    for (let page = 1; ; page++) {
      const j = await this.ok('GET', `/products?per_page=100&page=${page}&sort=name`, 200);
      all.push(...j.items);
      if (j.items.length === 0 || all.length >= j.total) break;
    }
    return all;
  }

  product(id) { return this.ok('GET', `/products/${encodeURIComponent(id)}`, 200); }

  categories() { return this.ok('GET', '/categories', 200); }

  async register(email, name, password) {
    return this.ok('POST', '/users', 201, { body: { email, name, password } });
  }

  /** userId signs in through the API, reads /me and revokes the token. */
  async userId(email, password) {
    const t = await this.ok('POST', '/tokens', 201, { body: { email, password } });
    const me = await this.ok('GET', '/me', 200, { token: t.token });
    assert.equal(me.email.toLowerCase(), email.toLowerCase());
    await this.ok('DELETE', '/tokens/current', 204, { token: t.token });
    return me.id;
  }
}

/** cents parses a price shown to people ("$1,234.56") into integer cents. */
export function cents(text) {
  const m = String(text).trim().match(/^\$(\d{1,3}(?:,\d{3})*|\d+)\.(\d{2})$/);
  if (!m) throw new Error(`not a price shown as $12.34: ${JSON.stringify(text)}`);
  return Number(m[1].replace(/,/g, '')) * 100 + Number(m[2]);
}

export function shippingFor(subtotal) { return subtotal >= 5000 ? 0 : 500; }

/**
 * Catalog hands out products to scenarios so that no two scenarios of one
 * engine buy the same product (each asserts its own stock decrements).
 */
export class Catalog {
  constructor(products) { this.products = products; this.used = new Set(); }

  take(pred, what) {
    const p = this.products.find((x) => !this.used.has(x.id) && pred(x));
    if (!p) throw new Error(`the demo catalog has no unused product that is ${what}`);
    this.used.add(p.id);
    return p;
  }

  /** plenty: a product with enough stock for a few units, optionally by price. */
  plenty({ minPrice = 0, maxPrice = Infinity, notCategory } = {}) {
    return this.take((p) => p.stock >= 10 && p.price_cents >= minPrice && p.price_cents <= maxPrice
      && p.category !== notCategory, `in stock (10+) priced ${minPrice}..${maxPrice} cents`);
  }
}

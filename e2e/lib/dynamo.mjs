// Reads the shop's DynamoDB tables and checks the orders table against the
// contract: one item per order, exactly the attributes and types it lists.
import assert from 'node:assert/strict';

// The SDK warns that its later releases will need Node 22; this one runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { DynamoDBClient, ScanCommand, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { shippingFor } from './api.mjs';
import { sleep } from './procs.mjs';

/**
 * PROCESSOR_ACTOR is the actor of the changes order processing makes:
 * shop.ProcessorActor (internal/shop/orderacceptance.go), which the
 * processor running inline in the shop (STOREFRONT_PROCESSOR=inline, the
 * default) writes when it accepts a placed order.
 */
export const PROCESSOR_ACTOR = 'processor';

/**
 * ACCEPT_WITHIN_MS bounds the wait for the processor to accept an order. The
 * contract promises 5 s under light load; the browsers, the shop and the
 * local DynamoDB server share the machine, so three times that.
 */
export const ACCEPT_WITHIN_MS = 15000;

export class Dynamo {
  constructor(endpoint, prefix) {
    this.prefix = prefix;
    this.client = new DynamoDBClient({
      endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }

  close() { this.client.destroy(); }

  async tables() {
    const names = [];
    let start;
    do {
      const out = await this.client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      names.push(...out.TableNames.filter((n) => n.startsWith(this.prefix)));
      start = out.LastEvaluatedTableName;
    } while (start);
    return names;
  }

  async scanAll(table, params = {}) {
    const items = [];
    let key;
    do {
      const out = await this.client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: key, ...params }));
      items.push(...out.Items);
      key = out.LastEvaluatedKey;
    } while (key);
    return items;
  }

  /** ordersOf returns the raw items of the orders table whose user_email is email. */
  ordersOf(email) {
    return this.scanAll(`${this.prefix}orders`, {
      FilterExpression: 'user_email = :e', ExpressionAttributeValues: { ':e': { S: email } },
    });
  }

  async allOrders() { return this.scanAll(`${this.prefix}orders`); }

  async getItem(table, key) {
    const out = await this.client.send(new GetItemCommand({ TableName: `${this.prefix}${table}`, Key: key, ConsistentRead: true }));
    return out.Item || null;
  }

  /** orderItem reads the raw orders item of orderId. */
  async orderItem(orderId) {
    const item = await this.getItem('orders', { order_id: { S: orderId } });
    assert.ok(item, `orders table ${this.prefix}orders has no item with order_id ${orderId}`);
    return item;
  }

  /**
   * orderItemWithStatus reads the orders item of orderId (consistently)
   * every 250 ms until its status is status, and returns it; after withinMs
   * it fails, showing the item last read.
   */
  async orderItemWithStatus(orderId, status, withinMs = ACCEPT_WITHIN_MS) {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const item = await this.orderItem(orderId);
      if (item.status && item.status.S === status) return item;
      assert.ok(Date.now() < deadline, `orders item ${orderId}: status ${JSON.stringify(item.status)} after ${withinMs / 1000} s; `
        + `want ${status} (the shop's order processor accepts every placed order): ${JSON.stringify(item)}`);
      await sleep(250);
    }
  }

  /** productItem reads the raw products item of id. */
  async productItem(id) {
    const item = await this.getItem('products', { id: { S: id } });
    assert.ok(item, `products table ${this.prefix}products has no item with id ${id}`);
    return item;
  }

  /** userIdOf reads an account's id from the users table's email guard item (docs/dynamodb.md). */
  async userIdOf(email) {
    const item = await this.getItem('users', { pk: { S: `email#${email.toLowerCase()}` } });
    assert.ok(item && item.user_id && item.user_id.S, `users table: no email#${email.toLowerCase()} item with a user_id: ${JSON.stringify(item)}`);
    return item.user_id.S;
  }

  /** stock reads a product's stock from the products table (key id, attribute stock N). */
  async stock(productId) {
    const out = await this.client.send(new GetItemCommand({
      TableName: `${this.prefix}products`, Key: { id: { S: productId } }, ConsistentRead: true,
    }));
    assert.ok(out.Item, `products table ${this.prefix}products has no item with id ${productId}`);
    assert.ok(out.Item.stock && out.Item.stock.N !== undefined, `product ${productId}: no numeric stock attribute: ${JSON.stringify(out.Item)}`);
    return Number(out.Item.stock.N);
  }
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function keys(obj) { return Object.keys(obj).sort(); }

function typed(av, type, where) {
  const t = av && Object.keys(av);
  assert.ok(t && t.length === 1 && t[0] === type, `${where}: want type ${type}, got ${JSON.stringify(av)}`);
  return av[type];
}
const S = (av, where) => typed(av, 'S', where);
const N = (av, where) => {
  const n = typed(av, 'N', where);
  assert.match(n, /^-?\d+$/, `${where}: want an integer, got ${n}`);
  return Number(n);
};

/**
 * expectedOrder computes what the orders table must hold for lines bought
 * at the prices read before buying: lines [{product, quantity}].
 */
export function expectedOrder({ orderId, userId, email, lines, address }) {
  const items = lines.map(({ product, quantity }) => ({
    product_id: product.id, name: product.name, unit_price_cents: product.price_cents,
    quantity, line_total_cents: product.price_cents * quantity,
  }));
  const subtotal = items.reduce((s, i) => s + i.line_total_cents, 0);
  const shipping = shippingFor(subtotal);
  return {
    order_id: orderId, user_id: userId, user_email: email, status: 'placed', currency: 'USD', items,
    item_count: items.reduce((s, i) => s + i.quantity, 0),
    subtotal_cents: subtotal, shipping_cents: shipping, total_cents: subtotal + shipping,
    shipping_address: {
      full_name: address.full_name, line1: address.address_line1, line2: address.address_line2 || '',
      city: address.city, postal_code: address.postal_code, country: address.country,
    },
  };
}

/** assertOrderItem checks one raw orders-table item against the expected order, attribute by attribute. */
export function assertOrderItem(raw, want, { after, before }) {
  const id = want.order_id;
  const w = (a) => `orders item ${id}: ${a}`;
  assert.deepEqual(keys(raw), ['created_at', 'currency', 'item_count', 'items', 'order_id', 'shipping_address',
    'shipping_cents', 'status', 'subtotal_cents', 'total_cents', 'user_email', 'user_id'],
  w('attributes must be exactly those of the contract'));
  assert.equal(S(raw.order_id, w('order_id')), id, w('order_id'));
  assert.equal(S(raw.user_id, w('user_id')), want.user_id, w('user_id'));
  assert.equal(S(raw.user_email, w('user_email')), want.user_email, w('user_email'));
  assert.equal(S(raw.status, w('status')), 'placed', w('status'));
  assert.equal(S(raw.currency, w('currency')), 'USD', w('currency'));
  const created = S(raw.created_at, w('created_at'));
  assert.match(created, RFC3339_UTC, w('created_at must be RFC 3339 in UTC'));
  const t = Date.parse(created);
  assert.ok(t >= after - 5000 && t <= before + 5000,
    w(`created_at ${created} is not within the scenario (${new Date(after).toISOString()} .. ${new Date(before).toISOString()})`));
  const items = typed(raw.items, 'L', w('items')).map((av, i) => {
    const m = typed(av, 'M', w(`items[${i}]`));
    assert.deepEqual(keys(m), ['line_total_cents', 'name', 'product_id', 'quantity', 'unit_price_cents'], w(`items[${i}] attributes`));
    return {
      product_id: S(m.product_id, w(`items[${i}].product_id`)), name: S(m.name, w(`items[${i}].name`)),
      unit_price_cents: N(m.unit_price_cents, w(`items[${i}].unit_price_cents`)),
      quantity: N(m.quantity, w(`items[${i}].quantity`)),
      line_total_cents: N(m.line_total_cents, w(`items[${i}].line_total_cents`)),
    };
  });
  const byId = (a, b) => (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0);
  assert.deepEqual([...items].sort(byId), [...want.items].sort(byId), w('items (lines, names, prices, quantities, line totals)'));
  assert.equal(N(raw.item_count, w('item_count')), want.item_count, w('item_count'));
  assert.equal(N(raw.subtotal_cents, w('subtotal_cents')), want.subtotal_cents, w('subtotal_cents'));
  assert.equal(N(raw.shipping_cents, w('shipping_cents')), want.shipping_cents, w('shipping_cents'));
  assert.equal(N(raw.total_cents, w('total_cents')), want.total_cents, w('total_cents'));
  const addr = typed(raw.shipping_address, 'M', w('shipping_address'));
  assert.deepEqual(keys(addr), ['city', 'country', 'full_name', 'line1', 'line2', 'postal_code'], w('shipping_address attributes'));
  const got = Object.fromEntries(Object.entries(addr).map(([k, v]) => [k, S(v, w(`shipping_address.${k}`))]));
  assert.deepEqual(got, want.shipping_address, w('shipping_address'));
}

/**
 * assertChangedOrderItem checks an orders item after status changes
 * (CONTRACT.md: later changes set status and updated_at, append to
 * status_history, set tracking_number for shipped; nothing else changes):
 * exactly the placed attributes plus updated_at, status_history and, once
 * shipped, tracking_number; every placed attribute but status exactly as in
 * placed (the raw item read after placement); status the last change's;
 * status_history exactly the changes [{status, actor}], oldest first, each
 * an M of exactly {status, at, actor} (all S) with at RFC 3339 UTC within
 * the scenario and never before the one before; updated_at the last
 * change's at, the first not before created_at.
 */
export function assertChangedOrderItem(raw, placed, { changes, tracking, after, before }) {
  const id = placed.order_id && placed.order_id.S;
  const w = (a) => `orders item ${id}: ${a}`;
  const shipped = changes.some((c) => c.status === 'shipped');
  const want = [...keys(placed), 'status_history', 'updated_at', ...(shipped ? ['tracking_number'] : [])].sort();
  assert.deepEqual(keys(raw), want, w('attributes must be exactly those placed plus the status change\'s'));
  for (const [name, v] of Object.entries(placed)) {
    if (name !== 'status') assert.deepEqual(raw[name], v, w(`${name} must be unchanged since placement`));
  }
  assert.equal(S(raw.status, w('status')), changes[changes.length - 1].status, w('status'));
  if (shipped) assert.equal(S(raw.tracking_number, w('tracking_number')), tracking, w('tracking_number'));
  const history = typed(raw.status_history, 'L', w('status_history'));
  assert.equal(history.length, changes.length, w(`status_history has ${history.length} entries; want ${changes.length} (${changes.map((c) => c.status).join(', ')})`));
  // The first change comes after the placement, each later one after the one before.
  let previous = placed.created_at && placed.created_at.S ? Date.parse(placed.created_at.S) : -Infinity;
  history.forEach((av, i) => {
    const m = typed(av, 'M', w(`status_history[${i}]`));
    assert.deepEqual(keys(m), ['actor', 'at', 'status'], w(`status_history[${i}] attributes`));
    assert.equal(S(m.status, w(`status_history[${i}].status`)), changes[i].status, w(`status_history[${i}].status`));
    assert.equal(S(m.actor, w(`status_history[${i}].actor`)), changes[i].actor, w(`status_history[${i}].actor`));
    const at = S(m.at, w(`status_history[${i}].at`));
    assert.match(at, RFC3339_UTC, w(`status_history[${i}].at must be RFC 3339 in UTC`));
    const t = Date.parse(at);
    assert.ok(t >= after - 5000 && t <= before + 5000, w(`status_history[${i}].at ${at} is not within the scenario`));
    assert.ok(t >= previous, w(`status_history[${i}].at ${at} is before ${i ? 'the entry before it' : 'created_at'}`));
    previous = t;
    if (i === history.length - 1) assert.equal(S(raw.updated_at, w('updated_at')), at, w('updated_at must be the last change\'s at'));
  });
}

/**
 * asPlaced returns the item as placement wrote it, given an item order
 * processing accepted since: without the acceptance's updated_at and
 * status_history, status placed. Anything else stays, for assertOrderItem to
 * refuse.
 */
export function asPlaced(raw) {
  const { updated_at: _u, status_history: _h, ...placed } = raw;
  return { ...placed, status: { S: 'placed' } };
}

/**
 * assertAcceptedOrderItem checks an orders item after the order processor
 * accepted it: the placement's attributes exactly as assertOrderItem wants
 * them, plus status accepted, updated_at and status_history exactly
 * [{accepted, at, PROCESSOR_ACTOR}] (assertChangedOrderItem), nothing else.
 */
export function assertAcceptedOrderItem(raw, want, { after, before }) {
  const placed = asPlaced(raw);
  assertOrderItem(placed, want, { after, before });
  assertChangedOrderItem(raw, placed, { changes: [{ status: 'accepted', actor: PROCESSOR_ACTOR }], after, before });
}

/**
 * assertProductItem checks a products item (docs/dynamodb.md): exactly
 * id, name, description, category, price_cents N, stock N, active BOOL,
 * created_at and, with a photo, photo_card and photo_page (S, the
 * content-hashed names of its two sizes); it returns the photo's names.
 */
export function assertProductItem(raw, want) {
  const w = (a) => `products item ${want.id}: ${a}`;
  const attrs = ['active', 'category', 'created_at', 'description', 'id', 'name', 'price_cents', 'stock'];
  if (want.photo) attrs.push('photo_card', 'photo_page');
  assert.deepEqual(keys(raw), attrs.sort(), w('attributes'));
  assert.equal(S(raw.id, w('id')), want.id, w('id'));
  assert.equal(S(raw.name, w('name')), want.name, w('name'));
  assert.equal(S(raw.description, w('description')), want.description, w('description'));
  assert.equal(S(raw.category, w('category')), want.category, w('category'));
  assert.equal(N(raw.price_cents, w('price_cents')), want.price_cents, w('price_cents'));
  assert.equal(N(raw.stock, w('stock')), want.stock, w('stock'));
  assert.equal(typed(raw.active, 'BOOL', w('active')), want.active, w('active'));
  assert.match(S(raw.created_at, w('created_at')), RFC3339_UTC, w('created_at must be RFC 3339 in UTC'));
  if (!want.photo) return null;
  const photo = { card: S(raw.photo_card, w('photo_card')), page: S(raw.photo_page, w('photo_page')) };
  for (const [k, v] of Object.entries(photo)) assert.match(v, /^[\w-]+\.(jpg|png)$/, w(`photo_${k} must name a file`));
  assert.notEqual(photo.card, photo.page, w('photo_card and photo_page must name two sizes'));
  return photo;
}

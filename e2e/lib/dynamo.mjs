// Reads the shop's DynamoDB tables and checks the orders table against the
// contract: one item per order, exactly the attributes and types it lists.
import assert from 'node:assert/strict';

// The SDK warns that its later releases will need Node 22; this one runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { DynamoDBClient, ScanCommand, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { shippingFor } from './api.mjs';

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

#!/usr/bin/env node
// Checks the checks: each engine's page check must fail on a page with an
// accessibility violation, on a failed subresource, on a script error and,
// on a phone, on horizontal scrolling; and pass on a clean page. Also with
// JavaScript off (a different axe-core path in each engine). And the
// DynamoDB orders-item check must refuse any deviation from the contract.
//
//   node selftest.mjs [--engine chromium|firefox|webkit]...
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { stopAll, stopAllSync } from './lib/procs.mjs';
import { expectedOrder, assertOrderItem } from './lib/dynamo.mjs';

const page = (body, head = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>t</title>${head}</head>
<body><main><h1>Self test</h1>${body}</main></body></html>`;

const PAGES = {
  '/ok': page('<p>Fine.</p><a href="/ok2">next</a>'),
  '/ok2': page('<p>Fine too.</p>'),
  '/noalt': page('<img src="/img.svg" width="10" height="10">'),
  '/missing': page('<img src="/nothing.png" alt="nothing" width="10" height="10">'),
  '/wide': page('<div style="width:600px">wide</div>'),
  '/throws': page('<p>x</p>', '<script src="/throw.js"></script>'),
  '/lowcontrast': page('<p style="color:#ccc;background:#fff">pale</p>'),
};

const server = http.createServer((req, res) => {
  const u = req.url.split('?')[0];
  if (u === '/img.svg') { res.writeHead(200, { 'Content-Type': 'image/svg+xml' }); return res.end('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'); }
  if (u === '/throw.js') { res.writeHead(200, { 'Content-Type': 'text/javascript' }); return res.end('throw new Error("selftest boom")'); }
  if (u === '/favicon.ico') { res.writeHead(200, { 'Content-Type': 'image/x-icon' }); return res.end(); }
  if (PAGES[u]) { res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); return res.end(PAGES[u]); }
  res.writeHead(404); res.end('no');
});

const CASES = [
  // [path, context options, expected problem (regexp) or null for a clean page]
  ['/ok', {}, null],
  ['/noalt', {}, /axe image-alt/],
  ['/lowcontrast', {}, /axe color-contrast/],
  ['/missing', {}, /nothing\.png/],
  ['/throws', {}, /selftest boom/, ['chromium', 'firefox']], // WebKit: errors during load are not visible (README)
  ['/ok', { phone: true }, null],
  ['/wide', { phone: true }, /horizontal scrolling/],
  ['/ok', { javascript: false }, null],
  ['/noalt', { javascript: false }, /axe image-alt/],
  ['/lowcontrast', { javascript: false }, /axe color-contrast/],
];

const S = (v) => ({ S: v });
const N = (v) => ({ N: String(v) });

/**
 * DYNAMO_CASES: [what, how the contract's item is changed, null when the
 * check must accept it or what its refusal must name]. A refusal for
 * another reason (a crash in the check itself) does not count.
 */
const DYNAMO_CASES = [
  ['the contract item', (x) => x, null],
  ['an extra attribute', (x) => ({ ...x, note: S('x') }), /attributes must be exactly those of the contract/],
  ['a missing attribute', (x) => { delete x.currency; return x; }, /attributes must be exactly those of the contract/],
  ['total as a string', (x) => ({ ...x, total_cents: S('3000') }), /total_cents: want type N/],
  ['a total that is not an integer', (x) => ({ ...x, total_cents: N('3000.5') }), /total_cents: want an integer/],
  ['free shipping below 5000', (x) => ({ ...x, shipping_cents: N(0), total_cents: N(2500) }), /shipping_cents/],
  ['created_at not UTC', (x) => ({ ...x, created_at: S('2026-01-01T10:00:00+02:00') }), /created_at must be RFC 3339 in UTC/],
  ['created_at long before the order', (x) => ({ ...x, created_at: S('2020-01-01T10:00:00Z') }), /created_at .* is not within the scenario/],
  ['line2 missing', (x) => { delete x.shipping_address.M.line2; return x; }, /shipping_address attributes/],
  ['another city', (x) => { x.shipping_address.M.city = S('D'); return x; }, /shipping_address/],
  ['another quantity', (x) => { x.items.L[0].M.quantity = N(3); return x; }, /items \(lines/],
  ['another unit price', (x) => { x.items.L[0].M.unit_price_cents = N(1200); return x; }, /items \(lines/],
  ['a line with an extra attribute', (x) => { x.items.L[0].M.sku = S('x'); return x; }, /items\[0\] attributes/],
  ['status pending', (x) => ({ ...x, status: S('pending') }), /status/],
  ['another buyer', (x) => ({ ...x, user_email: S('b@example.com') }), /user_email/],
];

/** dynamoCases: the orders-item check must accept the contract's item and refuse any deviation. */
function dynamoCases() {
  const product = { id: 'p1', name: 'Lamp', price_cents: 1250 };
  const address = { full_name: 'A B', address_line1: 'L1', address_line2: '', city: 'C', postal_code: 'P', country: 'GB' };
  const want = { ...expectedOrder({ orderId: 'o1', userId: 'u1', email: 'a@example.com', lines: [{ product, quantity: 2 }], address }) };
  const good = () => ({
    order_id: S('o1'), user_id: S('u1'), user_email: S('a@example.com'), status: S('placed'),
    created_at: S(new Date().toISOString().replace(/\.\d+Z$/, 'Z')), currency: S('USD'),
    items: { L: [{ M: { product_id: S('p1'), name: S('Lamp'), unit_price_cents: N(1250), quantity: N(2), line_total_cents: N(2500) } }] },
    item_count: N(2), subtotal_cents: N(2500), shipping_cents: N(500), total_cents: N(3000),
    shipping_address: { M: { full_name: S('A B'), line1: S('L1'), line2: S(''), city: S('C'), postal_code: S('P'), country: S('GB') } },
  });
  let passed = 0;
  let failed = 0;
  for (const [what, change, refusal] of DYNAMO_CASES) {
    let err = null;
    try { assertOrderItem(change(good()), want, { after: Date.now() - 60000, before: Date.now() }); } catch (e) { err = e; }
    const right = refusal ? !!err && refusal.test(err.message) : !err;
    if (right) passed++; else failed++;
    console.log(`${right ? 'ok  ' : 'FAIL'} orders item with ${what}: ${refusal ? `refused, naming ${refusal}` : 'accepted'}${right ? '' : ` (got ${err ? err.message : 'accepted'})`}`);
  }
  return [passed, failed];
}

async function main() {
  const args = process.argv.slice(2);
  const engines = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '--engine') engines.push(args[++i]);
  if (!engines.length) engines.push('chromium', 'firefox', 'webkit');
  const unknown = engines.filter((e) => !['chromium', 'firefox', 'webkit'].includes(e));
  if (unknown.length) throw new Error(`unknown engine ${unknown.join(', ')}: want chromium, firefox or webkit`);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const baseURL = `http://127.0.0.1:${server.address().port}`;
  // Every case must have run and been judged: a case skipped by mistake
  // (an engine left out, a loop cut short) fails the selftest too.
  const planned = DYNAMO_CASES.length
    + engines.reduce((n, name) => n + CASES.filter(([, , , only]) => !only || only.includes(name)).length, 0);
  let [passed, failed] = dynamoCases();
  for (const name of engines) {
    const mod = name === 'webkit' ? await import('./drivers/selenium.mjs') : await import('./drivers/puppeteer.mjs');
    const Engine = mod.SeleniumEngine || mod.PuppeteerEngine;
    const engine = new Engine(name, { baseURL, shotsDir: path.join(os.tmpdir(), 'e2e-selftest'), log: () => {} });
    engine.ignored = [];
    await engine.start();
    try {
      for (const [p, opts, want, only] of CASES) {
        if (only && !only.includes(name)) continue;
        const ctx = await engine.newContext(opts);
        let got = null;
        try {
          const pg = await ctx.newPage('self');
          await pg.goto('/ok');
          if (p !== '/ok') await pg.goto(p);
          else await pg.click({ link: 'next' });
        } catch (e) {
          got = e.message;
        } finally {
          await ctx.close();
        }
        const ok = want ? got !== null && want.test(got) : got === null;
        if (ok) passed++; else failed++;
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${p} ${JSON.stringify(opts)}: ${want ? `want ${want}` : 'want clean'}${ok ? '' : `; got ${got}`}`);
      }
    } finally {
      await engine.close();
    }
  }
  server.close();
  await stopAll();
  const unjudged = planned - passed - failed;
  console.log(`selftest: ${passed} passed, ${failed} failed${unjudged ? `, ${unjudged} of ${planned} cases not run` : ''}`);
  process.exitCode = failed || unjudged ? 1 : 0;
}

process.on('exit', stopAllSync);
main().catch(async (e) => { console.error(e); await stopAll(); process.exit(1); });

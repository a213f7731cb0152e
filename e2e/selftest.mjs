#!/usr/bin/env node
// Checks the checks: each engine's page check must fail on a page with an
// accessibility violation, on a failed subresource, on a script error and,
// on a phone, on horizontal scrolling; and pass on a clean page. Also with
// JavaScript off (a different axe-core path in each engine). And the
// DynamoDB orders-item checks must refuse any deviation from the contract:
// as placed, as the order processor accepted it, as staff shipped it.
// And the TOTP codes the staff scenario signs in with must be RFC 6238's.
// And the zoom, forced-colours and focus-indicator checks (scenarios 13,
// 14) and the test proxy (scenarios 12, 15, 16) must do what they say.
//
//   node selftest.mjs [--engine chromium|firefox|webkit]...
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { stopAll, stopAllSync } from './lib/procs.mjs';
import { expectedOrder, assertOrderItem, assertChangedOrderItem, assertAcceptedOrderItem, asPlaced, PROCESSOR_ACTOR } from './lib/dynamo.mjs';
import { totp, hotp, base32Decode } from './lib/totp.mjs';
import { startProxy } from './lib/proxy.mjs';
import * as B from './lib/browser-fns.mjs';

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
  '/verywide': page('<div style="width:1000px">wide at 200% zoom</div>'),
  '/clipped': page('<p style="width:200px;overflow:hidden;white-space:nowrap">A sentence far too long for two hundred pixels, cut off.</p>'),
  '/focus': page('<p><a href="/ok">a link</a> <button type="button">a button</button></p>'),
  '/nofocus': page('<p><a href="/ok">a link</a> <button type="button">a button</button></p>', '<style>*:focus { outline: none; box-shadow: none; }</style>'),
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
  ['/ok', { zoom: 2 }, null],
  ['/verywide', { zoom: 2 }, /horizontal scrolling/],
  ['/clipped', { zoom: 2 }, /clips its content/],
  // Clean only if forced colours are really in effect (else "not in effect").
  ['/ok', { zoom: 2, forcedColors: true }, null, ['chromium', 'firefox']],
];

/**
 * FOCUS_CASES: after Tab, the focused link must show a focus indicator
 * (the browser's own ring) and must not where the page removes it.
 */
const FOCUS_CASES = [['/focus', true], ['/nofocus', false]];

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

/**
 * ACCEPTED_CASES: the same for an item the order processor accepted
 * (assertAcceptedOrderItem: as placed plus exactly its acceptance), as the
 * scenarios read every order they placed.
 */
const ACCEPTED_CASES = [
  ['the accepted item', (x) => x, null],
  ['a wrong actor (a staff id)', (x) => { x.status_history.L[0].M.actor = S('u7'); return x; }, /status_history\[0\]\.actor/],
  ['an extra attribute', (x) => ({ ...x, note: S('x') }), /attributes must be exactly those of the contract/],
  ['a tracking number', (x) => ({ ...x, tracking_number: S('1Z999') }), /attributes must be exactly those of the contract/],
  ['an entry with an extra attribute', (x) => { x.status_history.L[0].M.note = S('x'); return x; }, /status_history\[0\] attributes/],
  ['still placed', (x) => { delete x.status_history; delete x.updated_at; x.status = S('placed'); return x; }, /attributes must be exactly those placed plus/],
  ['no updated_at', (x) => { delete x.updated_at; return x; }, /attributes must be exactly those placed plus/],
  ['status placed with the history', (x) => ({ ...x, status: S('placed') }), /^orders item o1: status$/m],
  ['accepted twice', (x) => { x.status_history.L.push(structuredClone(x.status_history.L[0])); return x; }, /status_history has 2 entries/],
  ['an entry of another status', (x) => { x.status_history.L[0].M.status = S('shipped'); return x; }, /status_history\[0\]\.status/],
  ['accepted before it was placed', (x) => { const at = S(new Date(Date.parse(x.created_at.S) - 5000).toISOString()); x.status_history.L[0].M.at = at; x.updated_at = at; return x; }, /status_history\[0\]\.at .* is before created_at/],
  ['a placed attribute changed', (x) => ({ ...x, total_cents: N(1) }), /^orders item o1: total_cents$/m],
];

/**
 * CHANGED_CASES: the same for an item moved to accepted (by the order
 * processor) and shipped (by staff) (assertChangedOrderItem), against the
 * item as placed.
 */
const CHANGED_CASES = [
  ['the shipped item', (x) => x, null],
  ['an extra attribute', (x) => ({ ...x, note: S('x') }), /attributes must be exactly those placed plus/],
  ['no tracking number', (x) => { delete x.tracking_number; return x; }, /attributes must be exactly those placed plus/],
  ['another tracking number', (x) => ({ ...x, tracking_number: S('ZZ') }), /tracking_number/],
  ['a placed attribute changed', (x) => ({ ...x, total_cents: N(1) }), /total_cents must be unchanged/],
  ['status still accepted', (x) => ({ ...x, status: S('accepted') }), /status/],
  ['a history entry lost', (x) => { x.status_history.L.shift(); return x; }, /status_history has 1 entries/],
  ['another actor', (x) => { x.status_history.L[0].M.actor = S('u9'); return x; }, /status_history\[0\]\.actor/],
  ['the staff as the acceptance\'s actor', (x) => { x.status_history.L[0].M.actor = S('u7'); return x; }, /status_history\[0\]\.actor/],
  ['an entry without at', (x) => { delete x.status_history.L[1].M.at; return x; }, /status_history\[1\] attributes/],
  ['at not UTC', (x) => { x.status_history.L[0].M.at = S('2026-01-01T10:00:00+02:00'); return x; }, /at must be RFC 3339 in UTC/],
  ['entries out of order', (x) => { x.status_history.L[0].M.at = S(new Date(Date.now() + 1000).toISOString()); return x; }, /is before the entry before it/],
  ['updated_at not the last change', (x) => ({ ...x, updated_at: x.status_history.L[0].M.at }), /updated_at must be the last change/],
];

/** dynamoCases: the orders-item checks must accept the contract's items and refuse any deviation. */
function dynamoCases() {
  const product = { id: 'p1', name: 'Lamp', price_cents: 1250 };
  const address = { full_name: 'A B', address_line1: 'L1', address_line2: '', city: 'C', postal_code: 'P', country: 'GB' };
  const want = { ...expectedOrder({ orderId: 'o1', userId: 'u1', email: 'a@example.com', lines: [{ product, quantity: 2 }], address }) };
  // Placed 10 s ago, within the scenario; changes come after it.
  const created = new Date(Date.now() - 10000).toISOString().replace(/\.\d+Z$/, 'Z');
  const good = () => ({
    order_id: S('o1'), user_id: S('u1'), user_email: S('a@example.com'), status: S('placed'),
    created_at: S(created), currency: S('USD'),
    items: { L: [{ M: { product_id: S('p1'), name: S('Lamp'), unit_price_cents: N(1250), quantity: N(2), line_total_cents: N(2500) } }] },
    item_count: N(2), subtotal_cents: N(2500), shipping_cents: N(500), total_cents: N(3000),
    shipping_address: { M: { full_name: S('A B'), line1: S('L1'), line2: S(''), city: S('C'), postal_code: S('P'), country: S('GB') } },
  });
  let passed = 0;
  let failed = 0;
  // judge runs one check on a changed item: right when it accepts what it
  // must accept, or refuses naming what the refusal must name.
  const judge = (kind, what, refusal, check) => {
    let err = null;
    try { check(); } catch (e) { err = e; }
    const right = refusal ? !!err && refusal.test(err.message) : !err;
    if (right) passed++; else failed++;
    console.log(`${right ? 'ok  ' : 'FAIL'} ${kind}orders item with ${what}: ${refusal ? `refused, naming ${refusal}` : 'accepted'}${right ? '' : ` (got ${err ? err.message : 'accepted'})`}`);
  };
  const span = () => ({ after: Date.now() - 60000, before: Date.now() });
  for (const [what, change, refusal] of DYNAMO_CASES) {
    judge('', what, refusal, () => assertOrderItem(change(good()), want, span()));
  }
  const t0 = new Date(Date.now() - 2000).toISOString();
  const t1 = new Date(Date.now() - 1000).toISOString();
  const acceptance = { M: { status: S('accepted'), at: S(t0), actor: S(PROCESSOR_ACTOR) } };
  const accepted = () => ({ ...good(), status: S('accepted'), updated_at: S(t0), status_history: { L: [structuredClone(acceptance)] } });
  for (const [what, change, refusal] of ACCEPTED_CASES) {
    judge('accepted ', what, refusal, () => assertAcceptedOrderItem(change(accepted()), want, span()));
  }
  for (const [what, change, refusal] of CHANGED_CASES) {
    const placed = asPlaced(accepted());
    const shipped = {
      ...accepted(), status: S('shipped'), updated_at: S(t1), tracking_number: S('1Z999'),
      status_history: { L: [structuredClone(acceptance), { M: { status: S('shipped'), at: S(t1), actor: S('u7') } }] },
    };
    judge('shipped ', what, refusal, () => assertChangedOrderItem(change(shipped), placed, {
      changes: [{ status: 'accepted', actor: PROCESSOR_ACTOR }, { status: 'shipped', actor: 'u7' }], tracking: '1Z999', ...span(),
    }));
  }
  return [passed, failed];
}

// RFC 6238, appendix B: the SHA-1 test vectors (8 digits) of the ASCII
// secret "12345678901234567890", here given in base32 as staff add prints
// it; the shop's codes are the last 6 digits of the same computation.
const RFC6238_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const TOTP_CASES = [
  [59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
  [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130'],
];

/** totpCases: lib/totp.mjs computes RFC 6238's codes, at 8 digits and at the shop's 6. */
function totpCases() {
  let passed = 0;
  let failed = 0;
  const judge = (what, got, want) => {
    const right = got === want;
    if (right) passed++; else failed++;
    console.log(`${right ? 'ok  ' : 'FAIL'} TOTP ${what}: want ${want}${right ? '' : `, got ${got}`}`);
  };
  judge('secret decoded from base32', base32Decode(RFC6238_SECRET).toString('latin1'), '12345678901234567890');
  for (const [seconds, want] of TOTP_CASES) {
    judge(`at ${seconds} s, 8 digits`, hotp(base32Decode(RFC6238_SECRET), Math.floor(seconds / 30), 8), want);
    judge(`at ${seconds} s, 6 digits`, totp(RFC6238_SECRET, seconds * 1000), want.slice(2));
  }
  return [passed, failed];
}
const TOTP_CASE_COUNT = 1 + 2 * TOTP_CASES.length;

/**
 * proxyCases: the test proxy alternates its upstreams, adds its latency,
 * holds an answer until released, and loses one (the upstream got the
 * request; the client gets no answer).
 */
async function proxyCases() {
  let passed = 0;
  let failed = 0;
  const judge = (what, right, got) => {
    if (right) passed++; else failed++;
    console.log(`${right ? 'ok  ' : 'FAIL'} proxy ${what}${right ? '' : ` (got ${got})`}`);
  };
  const seen = [];
  const ups = await Promise.all([0, 1].map((i) => new Promise((r) => {
    const s = http.createServer((req, res) => { seen.push([i, req.method, req.url]); res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end(`u${i}`); });
    s.listen(0, '127.0.0.1', () => r(s));
  })));
  const urls = ups.map((s) => `http://127.0.0.1:${s.address().port}`);
  const rr = await startProxy(urls);
  const bodies = [];
  for (let i = 0; i < 4; i++) bodies.push(await (await fetch(`${rr.url}/x`)).text());
  judge('round robin: u0 u1 u0 u1', bodies.join(' ') === 'u0 u1 u0 u1', bodies.join(' '));
  const held = rr.holdNext('GET', /^\/held$/);
  let done = false;
  const f = fetch(`${rr.url}/held`).then((r) => r.text()).then((b) => { done = true; return b; });
  await held.answered;
  await new Promise((r) => setTimeout(r, 300));
  judge('hold: no answer before release', !done, 'answered');
  held.release();
  judge('hold: the answer after release', (await f) !== '' && done, 'none');
  const lost = rr.dropNext('POST', /^\/lost$/);
  const before = seen.length;
  const got = await fetch(`${rr.url}/lost`, { method: 'POST', body: 'x' }).then((r) => `status ${r.status}`, (e) => `error ${e.cause ? e.cause.code : e.message}`);
  await lost.answered;
  judge('drop: the upstream got the post, the client no answer', got.startsWith('error') && seen.slice(before).some(([, m, u]) => m === 'POST' && u === '/lost'), got);
  await rr.close();
  const slow = await startProxy(urls[0], { latencyMs: [300, 400] });
  const t0 = Date.now();
  await (await fetch(`${slow.url}/slow`)).text();
  const ms = Date.now() - t0;
  judge(`latency: 300..400 ms added (took ${ms} ms)`, ms >= 300 && slow.log[0].delayMs >= 300 && slow.log[0].delayMs <= 400, ms);
  await slow.close();
  for (const s of ups) s.close();
  return [passed, failed];
}
const PROXY_CASE_COUNT = 5;

async function focusCase(engine, name, p, want) {
  const ctx = await engine.newContext({});
  let got;
  try {
    const pg = await ctx.newPage('self');
    await pg.goto(p);
    await pg.js(B.rememberUnfocusedLooks);
    await pg.press('Tab');
    got = await pg.js(B.focusState, 'a');
  } catch (e) {
    got = { error: e.message };
  } finally {
    await ctx.close();
  }
  const ok = !got.error && got.matches && got.indicator === want;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${p}: Tab to the link, ${want ? 'a focus indicator' : 'no focus indicator'}${ok ? '' : `; got ${JSON.stringify(got)}`}`);
  return ok;
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
  const planned = DYNAMO_CASES.length + ACCEPTED_CASES.length + CHANGED_CASES.length + TOTP_CASE_COUNT + PROXY_CASE_COUNT
    + engines.length * FOCUS_CASES.length + engines.reduce((n, name) => n + CASES.filter(([, , , only]) => !only || only.includes(name)).length, 0);
  let [passed, failed] = dynamoCases();
  const [totpPassed, totpFailed] = totpCases();
  passed += totpPassed;
  failed += totpFailed;
  const [proxyPassed, proxyFailed] = await proxyCases();
  passed += proxyPassed;
  failed += proxyFailed;
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
      for (const [p, want] of FOCUS_CASES) {
        if (await focusCase(engine, name, p, want)) passed++; else failed++;
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

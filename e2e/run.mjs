#!/usr/bin/env node
// The browser suite's single entry point (see README.md):
//
//   node run.mjs [--engine chromium|firefox|webkit]... [--scenario N]...
//
// also E2E_ENGINES=chromium,webkit and E2E_SCENARIOS=1,4. It starts a local
// DynamoDB server (scripts/dynamodb_local.py) and, per engine, a fresh shop
// on it with its own table prefix, runs the scenarios, checks DynamoDB after
// each, and ends every process it started, also on failure or Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startDynamo, startApp, storefrontBinary } from './lib/stack.mjs';
import { stopAll, stopAllSync, withTimeout } from './lib/procs.mjs';
import { startProxy } from './lib/proxy.mjs';
import { API, Catalog } from './lib/api.mjs';
import { Dynamo, expectedOrder, assertAcceptedOrderItem } from './lib/dynamo.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENGINES = ['chromium', 'firefox', 'webkit'];

// Each engine's Debian package, and the executables the suite needs from it.
const NEEDS = {
  chromium: [['/usr/bin/chromium', 'chromium']],
  firefox: [['/usr/bin/firefox-esr', 'firefox-esr']],
  webkit: [['/usr/bin/WebKitWebDriver', 'webkit2gtk-driver'], ['/usr/bin/Xvfb', 'xvfb']],
};

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error('usage: node run.mjs [--engine chromium|firefox|webkit]... [--scenario N]...\n'
    + '       (or E2E_ENGINES=chromium,firefox E2E_SCENARIOS=1,4)');
  process.exit(2);
}

function parseArgs(argv) {
  const engines = [];
  const scenarios = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--engine')) engines.push(...val().split(','));
    else if (a.startsWith('--scenario')) scenarios.push(...val().split(','));
    else usage(`unknown argument ${a}`);
  }
  if (!engines.length && process.env.E2E_ENGINES) engines.push(...process.env.E2E_ENGINES.split(','));
  if (!scenarios.length && process.env.E2E_SCENARIOS) scenarios.push(...process.env.E2E_SCENARIOS.split(','));
  for (const e of engines) if (!ENGINES.includes(e.trim())) usage(`unknown engine ${e}`);
  return {
    engines: engines.length ? [...new Set(engines.map((e) => e.trim()))] : ENGINES,
    scenarios: scenarios.map((s) => Number(s)).filter((n) => n),
  };
}

async function loadScenarios(only) {
  const dir = path.join(here, 'scenarios');
  const files = fs.readdirSync(dir).filter((f) => /^\d\d-.*\.mjs$/.test(f)).sort();
  const all = [];
  for (const f of files) {
    const m = await import(path.join(dir, f));
    all.push({ n: Number(f.slice(0, 2)), file: f, title: m.title, run: m.run });
  }
  for (const n of only) if (!all.some((s) => s.n === n)) usage(`no scenario ${n}`);
  return only.length ? all.filter((s) => only.includes(s.n)) : all;
}

function checkBrowsers(engines) {
  const missing = [];
  for (const e of engines) {
    for (const [exe, pkg] of NEEDS[e]) if (!fs.existsSync(exe)) missing.push(`${exe} (Debian package ${pkg}, for ${e})`);
  }
  if (missing.length) {
    console.error(`run.mjs: missing browser executables:\n  ${missing.join('\n  ')}\n`
      + `install them as root: apt-get update && apt-get install -y ${[...new Set(missing.map((m) => m.match(/package (\S+),/)[1]))].join(' ')}`);
    process.exit(1);
  }
}

async function makeEngine(name, opts) {
  if (name === 'webkit') {
    const { SeleniumEngine } = await import('./drivers/selenium.mjs');
    return new SeleniumEngine(name, opts);
  }
  const { PuppeteerEngine } = await import('./drivers/puppeteer.mjs');
  return new PuppeteerEngine(name, opts);
}

/** Scenario is what a scenario gets: the engine, the shop's API, DynamoDB and helpers. */
class Scenario {
  constructor({ n, engine, api, dynamo, catalog, log, app, stack }) {
    Object.assign(this, { n, engine, api, dynamo, catalog, log, app, stack });
    this.contexts = [];
    this.proxies = [];
    this.apps = [];
    this.startedAt = Date.now();
    this.rand = crypto.randomBytes(3).toString('hex');
    this.notes = [];
  }

  note(msg) { this.notes.push(msg); this.log(`    note: ${msg}`); }

  email(tag) { return `${tag}-${this.engine.name}-${this.rand}@example.com`; }
  personName(tag) { return `Shopper ${tag.toUpperCase()} ${this.rand}`; }

  /**
   * storefront runs the shop's command line with the running shop's
   * environment and input on standard input; a non-zero exit fails the
   * scenario. It returns {stdout, stderr}.
   */
  async storefront(args, input = '') {
    const r = await this.app.command(args, input);
    assert.equal(r.code, 0, `storefront ${args.join(' ')}: exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n${r.stderr}${r.stdout}`);
    return r;
  }

  /**
   * proxy starts a test proxy (lib/proxy.mjs) to targets (default the
   * engine's shop), ended with the scenario; a context reaches the shop
   * through it with newContext({via: proxy.url}).
   */
  async proxy(targets = this.app.baseURL, opts = {}) {
    const p = await startProxy(targets, { seed: parseInt(this.rand, 16), ...opts });
    this.proxies.push(p);
    return p;
  }

  /** secondApp starts another shop process on the engine's tables (same prefix), ended with the scenario. */
  async secondApp() {
    const a = await startApp({
      bin: this.stack.bin, dynamoURL: this.stack.dynamoURL, engine: this.engine.name, prefix: this.app.prefix,
      logFile: path.join(this.engine.shotsDir, `storefront-s${this.n}-second.log`), name: `storefront (${this.engine.name}, second)`,
    });
    this.apps.push(a);
    return a;
  }

  async newContext(opts) {
    const c = await this.engine.newContext(opts);
    this.contexts.push(c);
    return c;
  }

  /** stockBefore reads each product's stock through the API before buying. */
  async stockBefore(products) {
    const m = new Map();
    for (const p of products) m.set(p.id, (await this.api.product(p.id)).stock);
    return m;
  }

  /** assertStock: each product's stock went down by exactly what was bought, in the API and in DynamoDB. */
  async assertStock(before, lines) {
    for (const [id, was] of before) {
      const bought = lines.filter((l) => l.product.id === id).reduce((s, l) => s + l.quantity, 0);
      const api = (await this.api.product(id)).stock;
      const db = await this.dynamo.stock(id);
      assert.equal(db, was - bought, `stock of ${id} in DynamoDB is ${db}; was ${was}, bought ${bought}`);
      assert.equal(api, was - bought, `stock of ${id} in the API is ${api}; was ${was}, bought ${bought}`);
    }
  }

  expectedOrder({ orderId, email, lines, address }) {
    return expectedOrder({ orderId, userId: undefined, email, lines, address });
  }

  /**
   * assertOrders: the orders table holds exactly these orders for the
   * shopper (none when wants is empty), each, once the shop's order
   * processor accepted it (waited for, ACCEPT_WITHIN_MS), exactly as the
   * contract says: as placed plus the acceptance. It returns the accepted
   * items in the order of wants.
   */
  async assertOrders(email, wants, { password } = {}) {
    const items = await this.dynamo.ordersOf(email);
    const ids = items.map((i) => i.order_id && i.order_id.S);
    assert.equal(items.length, wants.length,
      `orders table: ${items.length} orders of ${email} (${ids.join(', ')}); want ${wants.length}${wants.length ? ` (${wants.map((w) => w.order_id).join(', ')})` : ''}`);
    if (!wants.length) return [];
    const userId = await this.api.userId(email, password);
    const accepted = [];
    for (const want of wants) {
      assert.ok(ids.includes(want.order_id), `orders table: no order ${want.order_id} for ${email}; has ${ids.join(', ')}`);
      const raw = await this.dynamo.orderItemWithStatus(want.order_id, 'accepted');
      assertAcceptedOrderItem(raw, { ...want, user_id: userId }, { after: this.startedAt, before: Date.now() });
      accepted.push(raw);
    }
    return accepted;
  }

  async screenshotAll(name) {
    const files = [];
    for (const c of this.contexts) {
      for (const p of c.pages) {
        if (!p.visited.length) continue; // never navigated: a blank tab
        try {
          await withTimeout((async () => {
            const f = await p.screenshot(name);
            files.push(f);
            const html = await p.html('html');
            if (html) fs.writeFileSync(f.replace(/\.png$/, '.html'), `<!-- ${await p.url()} -->\n${html}`);
          })(), 15000, 'failure screenshot');
        } catch { /* the page may be gone or stuck */ }
      }
    }
    return files;
  }

  async close() {
    for (const c of this.contexts) {
      await withTimeout(c.close(), 20000, 'closing a browsing context').catch(async (e) => {
        this.log(`    ${e.message}; ending it by force`);
        await c.kill?.();
      });
    }
    for (const p of this.proxies) await p.close();
    for (const a of this.apps) await a.stop();
  }
}

async function main() {
  const { engines, scenarios: only } = parseArgs(process.argv.slice(2));
  checkBrowsers(engines);
  const scenarios = await loadScenarios(only);
  const bin = storefrontBinary();
  const shotsRoot = path.join(here, 'screenshots');
  const timeoutMs = Number(process.env.E2E_SCENARIO_TIMEOUT || 240) * 1000;
  const results = [];
  const log = (m) => console.log(m);
  // Engines run at once by default (each has its own shop, tables, browser
  // and screenshots): on the 2-core machine 11.5 min for all three against
  // 20 min one after the other, under the same load. E2E_PARALLEL=1: one
  // engine after the other.
  const parallel = Math.max(1, Number(process.env.E2E_PARALLEL || engines.length));
  const t0 = Date.now();

  console.log(`e2e: engines ${engines.join(', ')}; scenarios ${scenarios.map((s) => s.n).join(', ')}; app ${path.relative(process.cwd(), bin)}`);
  fs.mkdirSync(shotsRoot, { recursive: true });
  fs.rmSync(path.join(shotsRoot, 'dynamodb_local.log'), { force: true });
  const dynamo = await startDynamo({ logFile: path.join(shotsRoot, 'dynamodb_local.log') });
  console.log(`e2e: local DynamoDB server at ${dynamo.url}`);
  // runEngine runs every scenario in one engine, with its own shop.
  const runEngine = async (name) => {
    const say = parallel > 1 ? (m) => console.log(String(m).split('\n').map((l) => `[${name}] ${l}`).join('\n')) : log;
    const te = Date.now();
    const shotsDir = path.join(shotsRoot, name);
    fs.rmSync(shotsDir, { recursive: true, force: true });
    fs.mkdirSync(shotsDir, { recursive: true });
    let app;
    let engine;
    let db;
    try {
      app = await startApp({ bin, dynamoURL: dynamo.url, engine: name, logFile: path.join(shotsDir, 'storefront.log') });
      db = new Dynamo(dynamo.url, app.prefix);
      const api = new API(app.baseURL);
      const catalog = new Catalog(await api.products());
      engine = await makeEngine(name, { baseURL: app.baseURL, shotsDir, log: say });
      await engine.start();
      say(`\n== ${name}: shop at ${app.baseURL}, tables ${app.prefix}*, ${catalog.products.length} products`);
      for (const s of scenarios) {
        const ts = Date.now();
        engine.scenarioTag = `s${s.n}`;
        const sc = new Scenario({ n: s.n, engine, api, dynamo: db, catalog, log: say, app, stack: { bin, dynamoURL: dynamo.url } });
        let error = null;
        try {
          await withTimeout(s.run(sc), timeoutMs, `scenario ${s.n}`);
        } catch (e) {
          error = e;
          const shots = await sc.screenshotAll('failure');
          if (shots.length) error.shots = shots;
        } finally {
          await sc.close();
        }
        const secs = ((Date.now() - ts) / 1000).toFixed(1);
        results.push({ engine: name, n: s.n, title: s.title, ok: !error, error, secs, notes: sc.notes });
        if (error) {
          say(`FAIL ${name} ${s.n} ${s.title} (${secs} s)\n${indent(error.stack || String(error))}`);
          if (error.shots) say(`     screenshots: ${error.shots.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
        } else {
          say(`ok   ${name} ${s.n} ${s.title} (${secs} s)`);
        }
      }
      for (const l of engine.limits) say(`  ${name} limit: ${l}`);
      if (engine.ignored.length) say(`  ${name}: ${engine.ignored.length} errors ignored by E2E_IGNORE_ERRORS:\n${indent([...new Set(engine.ignored)].join('\n'))}`);
      say(`  ${name}: ${engine.pagesChecked} pages checked in ${((Date.now() - te) / 1000).toFixed(0)} s (axe-core ${((engine.axeMs || 0) / 1000).toFixed(0)} s; ${engine.axeCached || 0} pages identical to one checked before)`);
    } catch (e) {
      say(`FAIL ${name}: could not run the scenarios:\n${indent(e.stack || String(e))}`);
      for (const s of scenarios) {
        if (!results.some((r) => r.engine === name && r.n === s.n)) {
          results.push({ engine: name, n: s.n, title: s.title, ok: false, error: e, secs: '0', notes: [] });
        }
      }
    } finally {
      if (engine) await engine.close().catch(() => {});
      if (db) db.close();
      if (app) await app.stop();
    }
  };
  try {
    // E2E_PARALLEL engines at once.
    const queue = [...engines];
    await Promise.all(Array.from({ length: Math.min(parallel, engines.length) }, async () => {
      while (queue.length) await runEngine(queue.shift());
    }));
  } finally {
    await dynamo.stop();
    await stopAll();
  }

  summary(results, engines, scenarios, shotsRoot, t0);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

function indent(s) { return String(s).split('\n').map((l) => `     ${l}`).join('\n'); }

function summary(results, engines, scenarios, shotsRoot, t0) {
  console.log(`\n== summary (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const w = Math.max(...scenarios.map((s) => s.title.length)) + 4;
  console.log(`${'scenario'.padEnd(w)}${engines.map((e) => e.padEnd(10)).join('')}`);
  for (const s of scenarios) {
    const cells = engines.map((e) => {
      const r = results.find((x) => x.engine === e && x.n === s.n);
      return (r ? (r.ok ? 'pass' : 'FAIL') : '-').padEnd(10);
    });
    console.log(`${`${s.n} ${s.title}`.padEnd(w)}${cells.join('')}`);
  }
  const notes = results.filter((r) => r.notes.length);
  for (const r of notes) for (const n of r.notes) console.log(`note ${r.engine} ${r.n}: ${n}`);
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) {
    const lines = String(r.error && r.error.message).split('\n').map((l) => l.trim()).filter(Boolean);
    console.log(`FAILED ${r.engine} scenario ${r.n}: ${lines.slice(0, 2).join(' ').slice(0, 400)}`);
  }
  console.log(`screenshots: ${path.relative(process.cwd(), shotsRoot) || shotsRoot}/<engine>/`);
  const total = engines.length * scenarios.length;
  console.log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
  console.log(`e2e: cells passed ${results.filter((r) => r.ok).length}/${total} (${scenarios.length} scenarios x ${engines.length} engines)`);
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.error(`\nrun.mjs: ${sig}: stopping browsers, the shop and the DynamoDB server`);
    await Promise.race([stopAll(), new Promise((r) => setTimeout(r, 5000))]);
    process.exit(130);
  });
}
process.on('exit', stopAllSync);

main().catch(async (e) => {
  console.error(`run.mjs: ${e.stack || e}`);
  await stopAll();
  process.exit(1);
});

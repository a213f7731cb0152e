// Blink (Chromium over CDP) and Gecko (Firefox ESR over WebDriver BiDi),
// both through puppeteer-core.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { BasePage, BaseContext, AXE_SOURCE, DOUBLE_CLICK_GAP_MS } from './base.mjs';
import { sleep } from '../lib/procs.mjs';
import * as B from '../lib/browser-fns.mjs';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--disable-features=Translate,MediaRouter'];

const PHONE = { width: 375, height: 667 };
const DESKTOP = { width: 1280, height: 900 };

export class PuppeteerEngine {
  constructor(name, { baseURL, shotsDir, log }) {
    this.name = name; // chromium | firefox
    this.baseURL = baseURL;
    this.shotsDir = shotsDir;
    this.log = log;
    this.browsers = new Set();
    this.pagesChecked = 0;
    this.ignored = [];
    this.limits = name === 'firefox'
      ? ['phone: 375x667 viewport and touch taps (WebDriver BiDi input), but no touch-capable emulation (pointer: coarse, maxTouchPoints stay desktop)']
      : [];
  }

  async launch(extra = {}) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${this.name}-`));
    let browser;
    if (this.name === 'chromium') {
      if (extra.blockCookies) {
        // Chromium's own setting "Don't allow sites to save data" (content setting cookies = block).
        fs.mkdirSync(path.join(tmp, 'Default'), { recursive: true });
        fs.writeFileSync(path.join(tmp, 'Default', 'Preferences'),
          JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }));
      }
      browser = await puppeteer.launch({
        executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, userDataDir: tmp,
        protocolTimeout: 60000, defaultViewport: { width: 1280, height: 900 },
      });
    } else {
      const prefs = { 'browser.sessionstore.resume_from_crash': false, 'dom.w3c_touch_events.enabled': 1 };
      if (extra.blockCookies) prefs['network.cookie.cookieBehavior'] = 2; // block all cookies
      if (extra.noJavaScript) prefs['javascript.enabled'] = false;
      // Forced colours (Windows high contrast's equivalent): "Override the
      // colours specified by the page with your selections above: Always".
      if (extra.forcedColors) prefs['browser.display.document_color_use'] = 2;
      browser = await puppeteer.launch({
        browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, extraPrefsFirefox: prefs,
        protocolTimeout: 60000, defaultViewport: { width: 1280, height: 900 },
      });
    }
    browser.tmpDir = tmp;
    this.browsers.add(browser);
    return browser;
  }

  async closeBrowser(b) {
    this.browsers.delete(b);
    await b.close().catch(() => {});
    fs.rmSync(b.tmpDir, { recursive: true, force: true });
  }

  async start() { this.main = await this.launch(); }

  /** helperPage: a page of the main browser for checking replicas (see PuppeteerPage._axe). */
  async helperPage() {
    if (!this.helper) {
      const c = await this.main.createBrowserContext();
      this.helper = await c.newPage();
    }
    return this.helper;
  }

  async close() { await Promise.all([...this.browsers].map((b) => this.closeBrowser(b))); }

  /**
   * newContext: a browsing context with its own cookies. JavaScript off is a
   * page setting in Chromium and a pref (own browser) in Firefox; blocked
   * cookies are a browser setting (own browser) in both.
   */
  async newContext(opts = {}) {
    const ctx = new PuppeteerContext(this, opts);
    const ownBrowser = !ctx.opts.cookies || (this.name === 'firefox' && (!ctx.opts.javascript || ctx.opts.forcedColors));
    if (ownBrowser) {
      ctx.browser = await this.launch({ blockCookies: !ctx.opts.cookies, noJavaScript: !ctx.opts.javascript, forcedColors: ctx.opts.forcedColors });
      ctx.bctx = await ctx.browser.createBrowserContext();
    } else {
      ctx.bctx = await this.main.createBrowserContext();
    }
    return ctx;
  }
}

class PuppeteerContext extends BaseContext {
  // opts.via: the shop's address as this context reaches it (a test proxy).
  get baseURL() { return this.opts.via || this.engine.baseURL; }

  async newPage(label = `tab${this.pages.length + 1}`) {
    const p = await this.bctx.newPage();
    const page = new PuppeteerPage({ engine: this.engine, context: this, label }, p);
    await page.setup();
    this.pages.push(page);
    return page;
  }

  async kill() {
    if (this.browser) {
      this.browser.process()?.kill('SIGKILL');
      await this.engine.closeBrowser(this.browser);
    }
  }

  async close() {
    await this.bctx.close().catch(() => {});
    if (this.browser) await this.engine.closeBrowser(this.browser);
  }
}

class PuppeteerPage extends BasePage {
  constructor(args, p) {
    super(args);
    this.p = p;
    this.errors = [];
    this.aborted = []; // subresources aborted: {seq of their page, text}
    this.navFailures = []; // navigations Firefox failed (NS_ERROR_FAILURE): {url, text}
    this.docs = new Map(); // navigation request -> response
    this.pending = new Set();
    this.last = null;
    this.docRequests = [];
  }

  async setup() {
    const { p } = this;
    const engine = this.engine.name;
    p.setDefaultTimeout(30000);
    p.setDefaultNavigationTimeout(30000);
    if (!this.opts.javascript) await p.setJavaScriptEnabled(false).catch((e) => { if (engine === 'chromium') throw e; });
    if (this.opts.phone) {
      if (engine === 'chromium') {
        await p.setViewport({ ...PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      } else {
        await p.setViewport({ ...PHONE, hasTouch: true });
      }
    }
    if (this.opts.zoom) {
      // Zoom z on a DESKTOP screen: the page gets 1/z of its CSS pixels,
      // each drawn z device pixels wide, as the browser's own zoom does.
      await p.setViewport({ width: DESKTOP.width / this.opts.zoom, height: DESKTOP.height / this.opts.zoom, deviceScaleFactor: this.opts.zoom });
    }
    // Chromium: DevTools' forced-colors emulation (the palette is applied,
    // not only the media query); Firefox: a pref of its own browser.
    // (Puppeteer's emulateMediaFeatures refuses forced-colors: CDP itself,
    // over a session kept for the page's life, which the emulation lasts.)
    if (this.opts.forcedColors && engine === 'chromium') {
      this.cdp = await p.createCDPSession();
      await this.cdp.send('Emulation.setEmulatedMedia', { features: [{ name: 'forced-colors', value: 'active' }] });
    }
    const docURLs = new Set();
    p.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const loc = msg.location() || {};
      // The page's own status (e.g. 404, 409, 422) is asserted by the scenario;
      // Chromium also logs it as "Failed to load resource" against the document.
      if (/^Failed to load resource/.test(msg.text()) && loc.url && docURLs.has(loc.url)) return;
      this.errors.push(`console.error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber ?? ''})` : ''}`);
    });
    p.on('pageerror', (err) => this.errors.push(`uncaught exception: ${err.message || err}`));
    // Which page (by its navigation's number) each subresource request was
    // made for: one aborted because that page was left is no error.
    this.navSeq = 0;
    const madeFor = new WeakMap();
    p.on('request', (req) => {
      if (!(req.isNavigationRequest() && req.frame() === p.mainFrame())) madeFor.set(req, this.navSeq);
      if (req.isNavigationRequest() && req.frame() === p.mainFrame()) {
        this.navSeq++;
        this.docRequests.push({ method: req.method(), url: req.url() });
        this.lastNavigation = req;
        this.pending.add(req);
        docURLs.add(req.url());
      }
    });
    p.on('requestfinished', (req) => this.pending.delete(req));
    p.on('requestfailed', (req) => {
      this.pending.delete(req);
      const f = req.failure();
      const reason = f ? f.errorText : 'failed';
      // A navigation replaced by the next one (double click) is aborted by
      // design, also once its answer's headers arrived (the 'response'
      // handler has then already taken it out of pending).
      const nav = req.isNavigationRequest() && req.frame() === p.mainFrame();
      if (/ERR_ABORTED|NS_BINDING_ABORTED|NS_ERROR_ABORT/.test(reason) && nav) return;
      // Firefox reports a navigation cancelled by a newer one (the second
      // click's) as NS_ERROR_FAILURE: no error when a later navigation
      // replaced it.
      if (reason === 'NS_ERROR_FAILURE' && nav && req !== this.lastNavigation) return;
      // Events of a double click's two navigations can come in either
      // order, so the one cancelled may look like the last: it is no error
      // when the page shown is the very address it asked for, loaded by the
      // other (read when the errors are).
      if (reason === 'NS_ERROR_FAILURE' && nav) {
        this.navFailures.push({ url: req.url(), text: `request failed: ${req.method()} ${req.url()}: ${reason}` });
        return;
      }
      // A style, script, image or icon still loading when its page was left
      // (the favicon after a slow answer, scenario 15) is aborted by design:
      // an error only if its page is still the one shown when the errors are
      // read (Firefox may report the abort before the next page's request).
      // The page's icon is the browser's own load, made when it likes
      // (Firefox: after the page loaded, racing the next navigation) and
      // cancelled when it likes; a missing one answers 404 (an error above).
      if (/ERR_ABORTED|NS_BINDING_ABORTED/.test(reason) && /\/favicon\.[a-z]+$/.test(new URL(req.url()).pathname)) return;
      if (/ERR_ABORTED|NS_BINDING_ABORTED/.test(reason) && !nav && madeFor.has(req)) {
        this.aborted.push({ seq: madeFor.get(req), text: `request failed: ${req.method()} ${req.url()}: ${reason}` });
        return;
      }
      this.errors.push(`request failed: ${req.method()} ${req.url()}: ${reason}`);
    });
    p.on('response', (res) => {
      const req = res.request();
      if (req.isNavigationRequest() && req.frame() === p.mainFrame()) {
        const chain = req.redirectChain().map((r) => ({ url: r.url(), status: r.response() ? r.response().status() : null }));
        this.last = { url: res.url(), status: res.status(), headers: res.headers(), chain, method: req.method() };
        docURLs.add(res.url());
        this.pending.delete(req);
      } else if (res.status() >= 400) {
        this.errors.push(`${req.method()} ${res.url()} answered ${res.status()}`);
      }
    });
  }

  js(fn, ...args) { return this.p.evaluate(fn, ...args); }

  /**
   * pressAgain clicks (taps) at el's point again while the navigation its
   * first press started is pending (the impatient shopper): trusted input.
   */
  async pressAgain(el) {
    if (this.opts.phone) await this.p.touchscreen.tap(el.x, el.y);
    else await this.p.mouse.click(el.x, el.y);
    return 'pressed';
  }

  async _load(url) { await this.p.goto(url, { waitUntil: 'load' }); }

  // Trusted input at the element's centre (find() scrolled it into view).
  // Not ElementHandle.click/tap: they wait on an IntersectionObserver
  // promise, which never settles in Firefox with JavaScript off.
  async _click(sel, pt, { count = 1 } = {}) {
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(DOUBLE_CLICK_GAP_MS);
      try {
        if (this.opts.phone) await this.p.touchscreen.tap(pt.x, pt.y);
        else await this.p.mouse.click(pt.x, pt.y, { clickCount: i + 1 });
      } catch (e) {
        // Firefox refuses input while the page is being replaced: the
        // first click already led away.
        if (i === 0) throw e;
        this.log(`click ${i + 1} of ${count} not delivered (the page was already navigating): ${e.message.split('\n')[0]}`);
        this.clicksLost = (this.clicksLost || 0) + 1;
      }
    }
  }

  async _key(key, { shift = false } = {}) {
    if (shift) await this.p.keyboard.down('Shift');
    try {
      await this.p.keyboard.press(key === 'Space' ? ' ' : key);
    } finally {
      if (shift) await this.p.keyboard.up('Shift');
    }
  }

  async _typeText(text) { await this.p.keyboard.type(text); }

  async _type(sel, text) {
    if (text !== '') await this.p.keyboard.type(text);
  }

  async _select(sel, value) {
    const got = await this.p.select(sel, value);
    if (!got.includes(value)) throw new Error(`${this.label}: no option ${value} in ${sel}`);
  }

  // Chromium sets the files over CDP (DOM.setFileInputFiles), Firefox over
  // WebDriver BiDi (input.setFiles); both fire input and change events.
  async _upload(sel, file) {
    const h = await this.p.$(sel);
    try {
      await h.uploadFile(file);
    } finally {
      await h.dispose();
    }
  }

  // Not awaited: a page restored from the back/forward cache fires no load
  // event; BasePage.navigation waits for the other document instead.
  async _back() { this.p.goBack().catch(() => {}); }
  async _reload() { await this.p.reload({ waitUntil: 'load' }); }

  async _png() { return Buffer.from(await this.p.screenshot({ fullPage: true })); }

  /**
   * With javascript.enabled=false Firefox runs no microtask even for code
   * evaluated over WebDriver BiDi, so axe-core (promise based) cannot finish
   * there. Such a page (which runs no script) is checked as a replica: its
   * DOM, with its stylesheets, in a helper page of the main browser, at the
   * same viewport size.
   */
  async _axe() {
    if (this.engine.name !== 'firefox' || this.opts.javascript) return super._axe();
    const snap = await this.p.evaluate(() => {
      const doc = document.documentElement.cloneNode(true);
      for (const n of doc.querySelectorAll('noscript')) {
        const d = document.createElement('div');
        d.innerHTML = n.textContent;
        n.replaceWith(d);
      }
      return { html: `<!doctype html>${doc.outerHTML}`, url: location.href, w: innerWidth, h: innerHeight };
    });
    const helper = await this.engine.helperPage();
    await helper.setViewport({ width: snap.w, height: snap.h });
    await helper.setContent(snap.html.replace(/<head>/i, `<head><base href="${snap.url}">`), { waitUntil: 'load' });
    await helper.evaluate(new Function(AXE_SOURCE)); // eslint-disable-line no-new-func
    return helper.evaluate(B.axeRun, false);
  }

  async _lastDocument() { return this.last; }
  async documentRequests() { return [...this.docRequests]; }
  async _pendingDocuments() { return this.pending.size; }
  async _drainErrors() {
    const still = this.aborted.splice(0).filter((a) => a.seq === this.navSeq).map((a) => a.text);
    const shown = this.last;
    const navs = this.navFailures.splice(0)
      .filter((f) => !(shown && shown.url === f.url && shown.status < 400)).map((f) => f.text);
    return [...this.errors.splice(0), ...still, ...navs];
  }

  /** accessibleDescription of the field named name, from the browser's accessibility tree (Chromium only). */
  async accessibleDescription(name) {
    if (this.engine.name !== 'chromium') return null;
    const client = await this.p.createCDPSession();
    try {
      const { root } = await client.send('DOM.getDocument', { depth: 0 });
      const { nodeId } = await client.send('DOM.querySelector', { nodeId: root.nodeId, selector: `[name="${name}"]:not([type=hidden])` });
      const { nodes } = await client.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
      const node = nodes.find((n) => !n.ignored) || nodes[0];
      return node && node.description ? String(node.description.value) : '';
    } finally {
      await client.detach().catch(() => {});
    }
  }
}

// WebKit: WebKitGTK's MiniBrowser through WebKitWebDriver (Debian's
// webkit2gtk-driver) and selenium-webdriver, under Xvfb.
//
// WebKitWebDriver runs one session at a time, and each session is its own
// MiniBrowser process with its own (ephemeral) cookies, so a browsing
// context here is a WebKitWebDriver process plus its session. Tabs of one
// session share cookies. Every context reaches the shop through its own
// recording proxy (lib/proxy.mjs), which is how the suite learns statuses,
// headers and failed requests that WebDriver classic does not expose.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Builder, Capabilities, By, Key } from 'selenium-webdriver';
import { Command } from 'selenium-webdriver/lib/command.js';
import { BasePage, BaseContext, DOUBLE_CLICK_GAP_MS } from './base.mjs';
import * as B from '../lib/browser-fns.mjs';
import { start, stop, freePort, poll } from '../lib/procs.mjs';
import { startProxy } from '../lib/proxy.mjs';

const MINIBROWSER = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser',
  '/usr/libexec/webkit2gtk-4.1/MiniBrowser', '/usr/libexec/webkit2gtk-4.0/MiniBrowser'].find((p) => fs.existsSync(p));

// MiniBrowser's toolbar (GTK 3) keeps its window at least ~450 px wide; this
// user style for the browser's own widgets (not the page) lets the window
// shrink to a 375 px wide viewport.
const GTK_CSS = '* { min-width: 0; min-height: 0; padding: 0; margin: 0; font-size: 6px; }\n';

export class SeleniumEngine {
  constructor(name, { baseURL, shotsDir, log }) {
    this.name = name;
    this.baseURL = baseURL;
    this.shotsDir = shotsDir;
    this.log = log;
    this.pagesChecked = 0;
    this.ignored = [];
    this.contexts = new Set();
    this.limits = [
      'forced colours: WebKitGTK has no forced-colours mode (the forced-colors media feature never matches); scenario 14 checks 200% zoom only',
      'slow network: no second press while the checkout\'s answer is on its way (WebKitWebDriver performs no input and runs no script while a navigation is pending); what the page shows then is recorded by the page itself',
      'zoom: emulated by a half-size viewport (640x450 CSS px) at device scale 1; WebDriver has no page zoom',
      'console: WebDriver classic has no console log; errors are trapped in each page once it has loaded (window error events, CSP violations, console.error), failed requests are seen by the recording proxy',
      'phone: the window is sized to a 375x667 viewport and taps are WebDriver touch actions, but WebKitGTK has no touch-capable emulation (pointer: coarse, maxTouchPoints stay desktop)',
    ];
  }

  async start() {
    if (!MINIBROWSER) throw new Error('MiniBrowser not found (Debian package webkit2gtk-driver installs it with libwebkit2gtk)');
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-webkit-'));
    fs.mkdirSync(path.join(this.tmp, 'gtk-3.0'), { recursive: true });
    fs.writeFileSync(path.join(this.tmp, 'gtk-3.0', 'gtk.css'), GTK_CSS);
    if (process.env.E2E_DISPLAY) {
      this.display = process.env.E2E_DISPLAY;
    } else {
      let n = 90 + Math.floor(Math.random() * 400);
      while (fs.existsSync(`/tmp/.X${n}-lock`)) n++;
      this.display = `:${n}`;
      this.xvfb = start('Xvfb', [this.display, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { name: 'Xvfb' });
      await poll(() => fs.existsSync(`/tmp/.X11-unix/X${n}`), { timeoutMs: 10000, what: `Xvfb on ${this.display}` });
    }
  }

  async close() {
    await Promise.all([...this.contexts].map((c) => c.close()));
    if (this.xvfb) await stop(this.xvfb);
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  async newContext(opts = {}) {
    const ctx = new SeleniumContext(this, opts);
    await ctx.open();
    this.contexts.add(ctx);
    return ctx;
  }
}

class SeleniumContext extends BaseContext {
  async open() {
    const { engine } = this;
    // opts.via: the shop's address as this context reaches it (a test proxy).
    this.proxy = await startProxy(this.opts.via || engine.baseURL, { mirrorDrops: true });
    this.baseURL = this.proxy.url;
    const port = await freePort();
    this.wd = start('/usr/bin/WebKitWebDriver', [`--port=${port}`], {
      name: 'WebKitWebDriver',
      env: { ...process.env, DISPLAY: engine.display, XDG_CONFIG_HOME: engine.tmp, NO_AT_BRIDGE: '1' },
    });
    const server = `http://127.0.0.1:${port}`;
    await poll(async () => (await fetch(`${server}/status`)).ok, { timeoutMs: 15000, what: 'WebKitWebDriver' });
    const args = ['--automation'];
    if (!this.opts.javascript) args.push('--enable-javascript=false');
    if (!this.opts.cookies) args.push('--cookies-policy=never');
    const caps = new Capabilities({
      browserName: 'MiniBrowser', pageLoadStrategy: 'normal',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args },
    });
    this.driver = await new Builder().usingServer(server).withCapabilities(caps).build();
    await this.driver.manage().setTimeouts({ script: 60000, pageLoad: 30000, implicit: 0 });
    // Zoom z: the page gets 1/z of the desktop's CSS pixels (WebDriver has
    // no page zoom, and WebKitGTK's MiniBrowser no zoom option).
    if (this.opts.phone) await this.sizeViewport(375, 667);
    else if (this.opts.zoom) await this.sizeViewport(1280 / this.opts.zoom, 900 / this.opts.zoom);
    else await this.sizeViewport(1280, 900);
    this.current = await this.driver.getWindowHandle();
    this.firstHandleFree = true;
  }

  /** sizeViewport sizes the window so that the page's viewport is w x h CSS pixels. */
  async sizeViewport(w, h) {
    const d = this.driver;
    await d.manage().window().setRect({ width: w, height: h });
    for (let i = 0; i < 3; i++) {
      const [iw, ih] = await d.executeScript('return [window.innerWidth, window.innerHeight]');
      if (iw === w && ih === h) return;
      const r = await d.manage().window().getRect();
      await d.manage().window().setRect({ width: r.width + (w - iw), height: r.height + (h - ih) });
    }
    const [iw, ih] = await d.executeScript('return [window.innerWidth, window.innerHeight]');
    if (iw !== w) throw new Error(`WebKit: cannot size the viewport to ${w}x${h} (got ${iw}x${ih})`);
  }

  async newPage(label = `tab${this.pages.length + 1}`) {
    let handle;
    if (this.firstHandleFree) {
      this.firstHandleFree = false;
      handle = this.current;
    } else {
      await this.driver.switchTo().newWindow('tab');
      handle = await this.driver.getWindowHandle();
      this.current = handle;
    }
    const page = new SeleniumPage({ engine: this.engine, context: this, label }, handle);
    this.pages.push(page);
    return page;
  }

  /** kill ends the context's WebKitWebDriver (and its MiniBrowser) without asking it. */
  async kill() {
    this.closed = true;
    this.engine.contexts.delete(this);
    if (this.wd) await stop(this.wd, 1000);
    if (this.proxy) await this.proxy.close();
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.engine.contexts.delete(this);
    if (this.driver) await this.driver.quit().catch(() => {});
    if (this.wd) await stop(this.wd);
    if (this.proxy) await this.proxy.close();
  }
}

class SeleniumPage extends BasePage {
  constructor(args, handle) {
    super(args);
    this.handle = handle;
    this.seen = 0; // proxy log entries already looked at for errors
    this.trapped = [];
  }

  get d() { return this.context.driver; }

  async focus() {
    if (this.context.current !== this.handle) {
      await this.d.switchTo().window(this.handle);
      this.context.current = this.handle;
    }
  }

  async js(fn, ...args) {
    await this.focus();
    return this.d.executeScript(`return (${fn.toString()}).apply(null, arguments);`, ...args);
  }

  async el(sel) { await this.focus(); return this.d.findElement(By.css(sel)); }

  async _load(url) { await this.focus(); await this.d.get(url); }

  async navigation(action, o) {
    // Errors trapped in the page that is about to go away.
    const t = await this.js(B.readErrorTrap).catch(() => null);
    if (t) this.trapped.push(...t);
    return super.navigation(action, o);
  }

  async _click(sel, pt, { count = 1 } = {}) {
    await this.focus();
    if (count === 1 && !this.opts.phone) {
      await (await this.el(sel)).click();
      return;
    }
    // Touch taps, and double clicks: WebDriver pointer actions at the
    // element's centre, the clicks DOUBLE_CLICK_GAP_MS apart.
    const r = await this.js((s) => { const b = document.querySelector(s).getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; }, sel);
    const actions = [{ type: 'pointerMove', duration: 0, origin: 'viewport', x: Math.round(r[0]), y: Math.round(r[1]) }];
    for (let i = 0; i < count; i++) {
      if (i > 0) actions.push({ type: 'pause', duration: DOUBLE_CLICK_GAP_MS });
      actions.push({ type: 'pointerDown', button: 0 }, { type: 'pointerUp', button: 0 });
    }
    const session = await this.d.getSession();
    await this.d.getExecutor().execute(new Command('actions').setParameter('sessionId', session.getId())
      .setParameter('actions', [{ type: 'pointer', id: 'pointer1', parameters: { pointerType: this.opts.phone ? 'touch' : 'mouse' }, actions }]));
  }

  /**
   * pressAgain cannot press while a navigation is pending here:
   * WebKitWebDriver waits for the pending navigation before it performs
   * any command (input actions and scripts too), so the press would land on
   * the next page. It says so instead.
   */
  async pressAgain() {
    return 'not possible in WebKit (WebKitWebDriver performs no input while a navigation is pending)';
  }

  async _key(key, { shift = false } = {}) {
    await this.focus();
    const k = { Tab: Key.TAB, Enter: Key.ENTER, Space: Key.SPACE }[key];
    if (!k) throw new Error(`no key ${key}`);
    let a = this.d.actions({ async: true });
    if (shift) a = a.keyDown(Key.SHIFT);
    a = a.keyDown(k).keyUp(k);
    if (shift) a = a.keyUp(Key.SHIFT);
    await a.perform();
  }

  async _typeText(text) {
    await this.focus();
    await this.d.actions({ async: true }).sendKeys(text).perform();
  }

  async _type(sel, text) {
    const el = await this.el(sel);
    await el.clear();
    if (text !== "") await el.sendKeys(text);
  }

  async _select(sel, value) {
    const el = await this.el(sel);
    const opt = await el.findElement(By.css(`option[value="${value}"]`));
    await opt.click();
    const got = await this.js((s) => document.querySelector(s).value, sel);
    if (got !== value) throw new Error(`${this.label}: could not choose ${value} in ${sel} (value ${got})`);
  }

  // WebDriver classic sets a file input's files by "typing" the local path
  // (Element Send Keys; WebKitWebDriver and the browser run on this machine).
  async _upload(sel, file) {
    await (await this.el(sel)).sendKeys(file);
  }

  async _back() { await this.focus(); await this.d.navigate().back(); }
  async _reload() { await this.focus(); await this.d.navigate().refresh(); }
  async _png() { await this.focus(); return Buffer.from(await this.d.takeScreenshot(), 'base64'); }

  async _lastDocument() {
    const log = this.context.proxy.log;
    for (let i = log.length - 1; i >= 0; i--) {
      const e = log[i];
      if (!e.isDoc || e.status === null || (e.status >= 300 && e.status < 400)) continue;
      const chain = [];
      for (let j = i - 1; j >= 0 && log[j].isDoc && log[j].status >= 300 && log[j].status < 400; j--) chain.unshift({ url: log[j].url, status: log[j].status });
      return { url: e.url, status: e.status, headers: e.headers, chain, method: e.method };
    }
    return null;
  }

  /** documentRequests: the page requests of this context (tabs share the proxy) that reached the shop. */
  async documentRequests() {
    return this.context.proxy.log.filter((e) => e.isDoc).map((e) => ({ method: e.method, url: e.url }));
  }

  async _pendingDocuments() { return this.context.proxy.inflightDocs; }

  async _drainErrors() {
    const errs = this.trapped.splice(0);
    const log = this.context.proxy.log;
    for (; this.seen < log.length; this.seen++) {
      const e = log[this.seen];
      if (!e.isDoc && e.status >= 400) errs.push(`${e.method} ${e.url} answered ${e.status}`);
      if (e.error) errs.push(`${e.method} ${e.url}: ${e.error}`);
    }
    const t = await this.js(B.readErrorTrap);
    if (t) errs.push(...t);
    await this.js(B.installErrorTrap);
    return errs;
  }

  async accessibleDescription() { return null; }
}

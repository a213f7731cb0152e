// What every engine's page offers the scenarios, written once on top of a
// few primitives each driver implements:
//   js(fn, ...args)          evaluate fn in the page (outside its CSP, also with JavaScript off)
//   _load(url)               navigate
//   _click(sel, pt, {count}) trusted click (or tap on a touch screen) on the element
//   _type(sel, text)         type into the field (find with prepareFill cleared and focused it)
//   _select(sel, value)      choose an option
//   _upload(sel, file)       choose the file at path file in a file input
//   _key(key, {shift})       press Tab, Enter or Space (with Shift held) where the focus is
//   _typeText(text)          type text as key presses where the focus is
//   _back()                  history back
//   _png()                   screenshot as a Buffer
//   _lastDocument()          {url, status, headers, chain} of the last top-level document, or null
//   _pendingDocuments()      document requests in flight
//   _drainErrors()           console errors and failed requests since the last call
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as B from '../lib/browser-fns.mjs';
import { poll, sleep } from '../lib/procs.mjs';

const require = createRequire(import.meta.url);
export const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let markSeq = 0;

// A debugging aid only, never set by `make test`: console/network errors
// matching this regular expression are listed in the summary instead of
// failing the page.
const IGNORE_ERRORS = process.env.E2E_IGNORE_ERRORS ? new RegExp(process.env.E2E_IGNORE_ERRORS) : null;

export class CheckError extends Error {}

/** The pause between the two clicks of a double click, as a person's. */
export const DOUBLE_CLICK_GAP_MS = 100;

export class BasePage {
  constructor({ engine, context, label }) {
    this.engine = engine;
    this.context = context;
    this.label = label;
    this.visited = [];
    this.lastCheck = null;
  }

  get baseURL() { return this.context.baseURL; }
  get opts() { return this.context.opts; }
  log(msg) { this.engine.log(`  [${this.label}] ${msg}`); }

  async url() { return (await this.js(B.docState)).url; }
  async path() { const u = new URL(await this.url()); return u.pathname + u.search; }

  /** status of the last document shown (null where the engine cannot tell). */
  async status() { const d = await this._lastDocument(); return d ? d.status : null; }
  async lastDocument() { return this._lastDocument(); }

  async find(spec) {
    const mark = `m${++markSeq}`;
    const r = await this.js(B.find, typeof spec === 'string' ? { css: spec } : spec, mark);
    if (r.error) throw new Error(`${this.label} at ${await this.path()}: ${r.error}`);
    return r;
  }

  /** has tells whether spec finds exactly one element. */
  async has(spec) {
    const r = await this.js(B.find, typeof spec === 'string' ? { css: spec } : spec, `h${++markSeq}`);
    return !r.error;
  }

  async exists(css, within) {
    return this.js((c, w) => {
      const root = w ? document.querySelector(w) : document;
      return !!(root && root.querySelector(c));
    }, css, within || null);
  }

  async count(css) { return this.js((c) => document.querySelectorAll(c).length, css); }

  async text(css) {
    const t = await this.js((c) => {
      const el = document.querySelector(c);
      return el ? el.textContent.replace(/\s+/g, ' ').trim() : null;
    }, css);
    if (t === null) throw new Error(`${this.label} at ${await this.path()}: no element ${css}`);
    return t;
  }

  async texts(css) {
    return this.js((c) => [...document.querySelectorAll(c)].map((e) => e.textContent.replace(/\s+/g, ' ').trim()), css);
  }

  async attr(css, name) { return this.js((c, n) => { const e = document.querySelector(c); return e ? e.getAttribute(n) : null; }, css, name); }

  /** bodyText is the text of the page, for "the page says ..." checks. */
  async bodyText() { return this.js(() => document.body.innerText.replace(/\s+/g, ' ').trim()); }
  async mainText() { return this.js(() => (document.querySelector('main') || document.body).innerText.replace(/\s+/g, ' ').trim()); }
  async html(css = 'main') { return this.js((c) => { const e = document.querySelector(c); return e ? e.outerHTML : null; }, css); }

  async fill(spec, value) {
    await this.fillForm({ [typeof spec === 'string' ? spec : spec.field]: value }, typeof spec === 'string' ? undefined : spec.within);
  }

  async select(spec, value) {
    const el = await this.find(typeof spec === 'string' ? { field: spec } : spec);
    await this._select(el.selector, value);
  }

  /** upload chooses the file at filePath in the file input spec finds (a field name or a find spec). */
  async upload(spec, filePath) {
    const el = await this.find(typeof spec === 'string' ? { field: spec } : spec);
    await this._upload(el.selector, filePath);
  }

  /** fillForm types each value into the field of that name (choosing the option of a select). */
  async fillForm(values, within) {
    for (const [name, value] of Object.entries(values)) {
      const el = await this.find({ field: name, within, prepareFill: true });
      if (el.tag === 'SELECT') await this._select(el.selector, value);
      else await this._type(el.selector, String(value));
    }
  }

  /** goto loads path (relative to the shop) and checks the page. */
  async goto(p, { check = true } = {}) {
    await this.navigation(() => this._load(new URL(p, this.baseURL).href));
    if (check) await this.check();
    return this.status();
  }

  /** click clicks (or taps) what spec finds; by default it waits for the page it leads to and checks it. */
  async click(spec, { navigate = true, check = true, count = 1 } = {}) {
    const el = await this.find(spec);
    if (!navigate) return this._click(el.selector, el, { count });
    await this.navigation(() => this._click(el.selector, el, { count }), { settle: count > 1 ? 800 : 0 });
    if (check) await this.check();
    return this.status();
  }

  /**
   * press presses key (Tab, Enter or Space; shift: with Shift held) where
   * the focus is. navigate: wait for the page it leads to and check it.
   */
  async press(key, { shift = false, navigate = false, check = true } = {}) {
    if (!navigate) return this._key(key, { shift });
    await this.navigation(() => this._key(key, { shift }));
    if (check) await this.check();
    return this.status();
  }

  /** typeText types text as key presses into the focused field. */
  async typeText(text) { await this._typeText(String(text)); }

  async back({ check = true } = {}) {
    await this.navigation(() => this._back());
    if (check) await this.check();
  }

  async reload({ check = true } = {}) {
    await this.navigation(() => this._reload());
    if (check) await this.check();
  }

  /** submitReplica posts a copy of an earlier captured form, as a stale resubmission. */
  async submitReplica(form) {
    await this.navigation(() => this.js(B.submitReplica, form.action, form.fields));
    await this.check();
  }

  async formOf(spec) {
    const el = await this.find(spec);
    return this.js(B.formFields, el.selector);
  }

  /**
   * navigation runs action and waits until another document is shown and
   * loaded, and no document request is still in flight.
   */
  async navigation(action, { settle = 0, timeoutMs = 30000 } = {}) {
    const token = `d${Date.now()}-${++markSeq}`;
    // The mark is how the wait below tells the next document from this
    // one: without it, the page still shown would pass for the next.
    await this.js(B.markDoc, token).catch((e) => {
      throw new Error(`${this.label}: could not mark the page shown before a navigation: ${e.message}`);
    });
    await action();
    // Firefox may also run the check in a transient about:blank between two
    // documents (unmarked and complete): every page this waits for is the
    // shop's, so only an http(s) document counts as the next one.
    const stable = async () => {
      const s = await this.js(B.docState);
      return s.mark !== token && s.ready === 'complete' && /^https?:/.test(s.url) && (await this._pendingDocuments()) === 0;
    };
    await poll(stable, { timeoutMs, intervalMs: 50, what: `${this.label}: the next page to load` });
    if (settle) {
      await sleep(settle);
      await poll(stable, { timeoutMs, intervalMs: 50, what: `${this.label}: the page to settle` });
    }
    this.visited.push(await this.url());
  }

  /**
   * check is run on every page shown: no console errors, no failed requests,
   * no WCAG 2.1 A/AA violation found by axe-core, and on a phone screen no
   * horizontal scrolling.
   */
  async check() {
    const url = await this.url();
    const problems = [];
    const errors = await this._drainErrors();
    for (const e of errors) {
      if (IGNORE_ERRORS && IGNORE_ERRORS.test(e)) this.engine.ignored.push(`${url}: ${e}`);
      else problems.push(`console/network error: ${e}`);
    }
    const facts = await this.js(B.pageFacts);
    if ((this.opts.phone || this.opts.zoom) && facts.scrollWidth > facts.clientWidth) {
      problems.push(`horizontal scrolling on a ${facts.innerWidth}px wide screen${this.opts.zoom ? ` (${this.opts.zoom * 100}% zoom)` : ''}: page is ${facts.scrollWidth}px wide (viewport ${facts.clientWidth}px); too wide: ${facts.wide.join(', ')}`);
    }
    if (this.opts.zoom) {
      for (const c of await this.js(B.cutOff)) problems.push(`at ${this.opts.zoom * 100}% zoom: ${c}`);
    }
    if (this.opts.forcedColors) {
      const fc = await this.js(B.forcedColorsFacts);
      if (!fc.active) problems.push('forced colours are not in effect (matchMedia("(forced-colors: active)") is false)');
      // Not cut off or hidden, but worth a look: listed by scenario 14.
      for (const b of fc.bare) {
        const m = (this.engine.bareInForcedColors ||= new Map());
        m.set(b, (m.get(b) || 0) + 1);
      }
    }
    const ta = Date.now();
    // axe-core's findings depend only on the DOM, the stylesheets (the same
    // for one run of the shop) and the viewport: a page identical to one
    // already checked in this engine is not checked again.
    const key = crypto.createHash('sha256').update(JSON.stringify([
      facts.innerWidth, this.opts.javascript, await this.js(B.domSnapshot)])).digest('hex');
    const cache = (this.engine.axeCache ||= new Map());
    let axe = cache.get(key);
    if (axe) this.engine.axeCached = (this.engine.axeCached || 0) + 1;
    else {
      axe = await this._axe();
      if (!axe.error) cache.set(key, axe);
    }
    this.engine.axeMs = (this.engine.axeMs || 0) + (Date.now() - ta);
    if (axe.error) problems.push(axe.error);
    for (const v of axe.violations || []) {
      problems.push(`axe ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `        ${n.target}: ${n.html}`).join('\n')}`);
    }
    const doc = await this._lastDocument();
    this.lastCheck = { url, status: doc && doc.status };
    this.engine.pagesChecked++;
    if (problems.length) {
      await this.screenshot('check-failed').catch(() => {});
      throw new CheckError(`${this.engine.name} ${this.label}: page ${url} (status ${doc ? doc.status : '?'}):\n    - ${problems.join('\n    - ')}`);
    }
  }

  /** _axe runs axe-core in the page; a driver may override it. */
  async _axe() {
    if (!(await this.js(B.hasAxe))) await this.js(new Function(AXE_SOURCE)); // eslint-disable-line no-new-func
    return this.js(B.axeRun, !this.opts.javascript);
  }

  async screenshot(name) {
    const dir = this.engine.shotsDir;
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${this.engine.scenarioTag || 'x'}-${this.label}-${name}.png`.replace(/[^\w.-]+/g, '_'));
    fs.writeFileSync(file, await this._png());
    return file;
  }
}

/** Shared base of a browsing context (own cookies) of any engine. */
export class BaseContext {
  constructor(engine, opts) {
    this.engine = engine;
    this.opts = { javascript: true, cookies: true, phone: false, ...opts };
    this.pages = [];
  }
}

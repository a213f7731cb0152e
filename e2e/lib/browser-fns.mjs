// Functions evaluated inside the page (by CDP, WebDriver BiDi or WebDriver
// classic, which run outside the page's Content-Security-Policy and also
// with the page's JavaScript turned off). Each must be self-contained.

/** find marks the single element matching spec and returns a CSS selector for it. */
export function find(spec, mark) {
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const visible = (el) => {
    if (el.type === 'hidden') return false;
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return (r.width > 0 || r.height > 0) && st.visibility !== 'hidden' && st.display !== 'none';
  };
  let root = document;
  if (spec.within) {
    const roots = document.querySelectorAll(spec.within);
    if (roots.length !== 1) return { error: `${roots.length} elements match ${spec.within}` };
    root = roots[0];
  }
  let list;
  let what;
  if (spec.css) {
    list = [...root.querySelectorAll(spec.css)];
    what = spec.css;
  } else if (spec.button) {
    list = [...root.querySelectorAll('button, input[type=submit]')]
      .filter((b) => norm(b.tagName === 'INPUT' ? b.value : b.textContent) === spec.button || b.getAttribute('aria-label') === spec.button);
    what = `button "${spec.button}"`;
  } else if (spec.link) {
    list = [...root.querySelectorAll('a[href]')].filter((a) => norm(a.textContent) === spec.link || a.getAttribute('aria-label') === spec.link);
    what = `link "${spec.link}"`;
  } else if (spec.href) {
    list = [...root.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href') === spec.href);
    what = `link to ${spec.href}`;
  } else if (spec.field) {
    list = [...root.querySelectorAll(`input[name="${spec.field}"], select[name="${spec.field}"], textarea[name="${spec.field}"]`)]
      .filter((x) => x.type !== 'hidden');
    what = `field named ${spec.field}`;
  } else if (spec.submitOf) {
    // the submit button of the form holding the control named submitOf (or of the form matching submitOf when it is a selector)
    const forms = /^[a-z_]+$/.test(spec.submitOf)
      ? [...root.querySelectorAll('form')].filter((f) => [...f.elements].some((e) => e.name === spec.submitOf && e.type !== 'hidden'))
      : [...root.querySelectorAll(spec.submitOf)];
    list = forms.flatMap((f) => [...f.querySelectorAll('button, input[type=submit]')]
      .filter((b) => b.tagName === 'INPUT' || !b.type || b.type === 'submit'));
    what = `submit button of the form with ${spec.submitOf}`;
  } else if (spec.label) {
    list = [...root.querySelectorAll('label')].filter((l) => norm(l.textContent).startsWith(spec.label)).map((l) => l.control).filter(Boolean);
    what = `field labelled "${spec.label}"`;
  } else {
    return { error: `bad spec ${JSON.stringify(spec)}` };
  }
  if (spec.visibleOnly !== false) {
    const vis = list.filter(visible);
    if (vis.length > 0 || !spec.allowHidden) list = vis;
  }
  if (list.length !== 1) {
    return { error: `${list.length} elements are ${what}${spec.within ? ` within ${spec.within}` : ''}`, count: list.length };
  }
  const el = list[0];
  el.setAttribute('data-e2e-target', mark);
  el.scrollIntoView({ block: 'center', inline: 'nearest' });
  if (spec.prepareFill && el.tagName !== 'SELECT') {
    el.value = '';
    el.focus();
  }
  const r = el.getBoundingClientRect();
  return { selector: `[data-e2e-target="${mark}"]`, tag: el.tagName, x: r.left + r.width / 2, y: r.top + r.height / 2 };
}

/** docState tells which document is shown and whether it has loaded. */
export function docState() {
  return { mark: document.documentElement.getAttribute('data-e2e-doc'), ready: document.readyState, url: location.href };
}

/** domSnapshot is the document's markup without the suite's own marker attributes. */
export function domSnapshot() {
  return document.documentElement.outerHTML.replace(/ data-e2e-(?:doc|target)="[^"]*"/g, '');
}

export function markDoc(token) { document.documentElement.setAttribute('data-e2e-doc', token); }

/** facts are what every page check looks at besides axe. */
export function pageFacts() {
  const de = document.documentElement;
  const wide = [];
  if (de.scrollWidth > de.clientWidth) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > de.clientWidth + 1 && r.width > 0) {
        wide.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} (right edge ${Math.round(r.right)}px)`);
        if (wide.length >= 5) break;
      }
    }
  }
  return {
    url: location.href,
    title: document.title,
    scrollWidth: de.scrollWidth,
    clientWidth: de.clientWidth,
    innerWidth: window.innerWidth,
    wide,
    lang: de.getAttribute('lang'),
  };
}

/** axeRun runs axe-core (already injected) for WCAG 2.1 A and AA. */
export async function axeRun(noTimers) {
  if (!window.axe) return { error: 'axe-core is not loaded' };
  const saved = [window.setTimeout, window.clearTimeout];
  if (noTimers) {
    // With the page's JavaScript turned off, Chromium and WebKit fire no
    // timers even for evaluated code; axe only uses them to yield, so run
    // them as microtasks while it runs (no page script can run to notice).
    window.setTimeout = (fn, ms, ...a) => { Promise.resolve().then(() => fn(...a)); return 1; };
    window.clearTimeout = () => {};
  }
  let r;
  try {
    r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
  } finally {
    [window.setTimeout, window.clearTimeout] = saved;
  }
  return {
    violations: r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary })),
    })),
  };
}

export function hasAxe() { return !!window.axe; }

/** installErrorTrap records errors raised in this document from now on (WebKit has no console access). */
export function installErrorTrap() {
  if (window.__e2eErrors) return;
  const errs = [];
  window.__e2eErrors = errs;
  window.addEventListener('error', (e) => {
    if (e.target && e.target !== window && e.target.tagName) {
      errs.push(`failed to load ${e.target.tagName.toLowerCase()} ${e.target.src || e.target.href || ''}`);
    } else {
      errs.push(`uncaught ${e.message} at ${e.filename}:${e.lineno}`);
    }
  }, true);
  window.addEventListener('unhandledrejection', (e) => errs.push(`unhandled rejection ${e.reason}`));
  document.addEventListener('securitypolicyviolation', (e) => errs.push(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));
  const orig = console.error;
  console.error = function (...a) { errs.push(`console.error ${a.map(String).join(' ')}`); return orig.apply(this, a); };
}

export function readErrorTrap() { return window.__e2eErrors ? window.__e2eErrors.splice(0) : null; }

/** described returns, for the field named name, what assistive technology reads as its description. */
export function fieldDescription(name) {
  const el = document.querySelector(`[name="${name}"]:not([type=hidden])`);
  if (!el) return { error: `no field named ${name}` };
  const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  return {
    describedby: ids,
    invalid: el.getAttribute('aria-invalid'),
    texts: ids.map((id) => { const d = document.getElementById(id); return d ? d.textContent.replace(/\s+/g, ' ').trim() : null; }),
    value: el.value,
    type: el.type,
  };
}

/** submitReplica posts a copy of a form captured earlier (for a stale resubmission). */
export function submitReplica(action, fields) {
  const f = document.createElement('form');
  f.method = 'post';
  f.action = action;
  for (const [k, v] of fields) {
    const i = document.createElement('input');
    i.type = 'hidden'; i.name = k; i.value = v;
    f.appendChild(i);
  }
  document.body.appendChild(f);
  f.submit();
  return true;
}

/** formFields captures the fields of the form holding the element sel. */
export function formFields(sel) {
  const el = document.querySelector(sel);
  const form = el && el.closest('form');
  if (!form) return null;
  return { action: form.getAttribute('action'), fields: [...new FormData(form).entries()].map(([k, v]) => [k, String(v)]) };
}

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
  // Between two documents Firefox may run this in one without its root
  // element yet: not ready.
  const de = document.documentElement;
  return { mark: de ? de.getAttribute('data-e2e-doc') : null, ready: de ? document.readyState : 'loading', url: location.href };
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

/**
 * cutOff lists what a narrow (zoomed) viewport cuts off or hides: elements
 * that are shown (not display:none, visibility:hidden, a 1px screen-reader
 * box or inside one, or moved wholly off the left edge as a skip link is
 * until focused) but reach past the viewport's left or right edge, content
 * clipped by overflow hidden/clip, and text cut with an ellipsis.
 */
export function cutOff() {
  const de = document.documentElement;
  const vw = de.clientWidth;
  const out = [];
  const name = (el) => {
    const t = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}${t ? ` "${t}"` : ''}`;
  };
  const srOnly = (el) => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const r = a.getBoundingClientRect();
      if (r.width <= 1 && r.height <= 1) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (['OPTION', 'OPTGROUP', 'SCRIPT', 'STYLE', 'NOSCRIPT', 'BR', 'WBR'].includes(el.tagName)) continue;
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden' || st.display === 'contents') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (srOnly(el)) continue;
    if (r.right <= 0) continue; // moved off the left edge on purpose (a skip link until focused)
    if (r.left < -1 || r.right > vw + 1) {
      out.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px of a ${vw} px wide viewport`);
    }
    const clips = /hidden|clip/.test(`${st.overflowX} ${st.overflowY}`);
    if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
      out.push(`${name(el)} clips its content (${el.scrollWidth}x${el.scrollHeight} px in ${el.clientWidth}x${el.clientHeight} px, overflow ${st.overflowX}/${st.overflowY})`);
    }
    if (st.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} is cut with an ellipsis`);
    if (out.length >= 8) break;
  }
  return out;
}

/**
 * forcedColorsFacts: whether forced colours are in effect, and the form
 * controls that have no visible edge in them (no border and no underline:
 * forced colours drop backgrounds, so such a control shows as bare text).
 */
export function forcedColorsFacts() {
  const bare = [];
  for (const el of document.querySelectorAll('button, input:not([type=hidden]), select, textarea')) {
    const st = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (st.display === 'none' || st.visibility === 'hidden' || (r.width <= 1 && r.height <= 1)) continue;
    const border = ['Top', 'Right', 'Bottom', 'Left'].some((s) => st[`border${s}Style`] !== 'none' && parseFloat(st[`border${s}Width`]) >= 1);
    const underline = /underline/.test(st.textDecorationLine || st.textDecoration);
    if (!border && !underline) bare.push(`${el.tagName.toLowerCase()}${el.name ? `[name=${el.name}]` : ''} "${(el.innerText || el.value || '').trim().slice(0, 30)}"`);
  }
  return { active: matchMedia('(forced-colors: active)').matches, bare };
}

/**
 * rememberUnfocusedLooks stores, for every element of the page that can
 * take focus, how it looks unfocused (what a focus indicator may change:
 * outline, box shadow, border, background, colour, underline), for
 * focusState to compare with how it looks focused. The element focused now
 * is left out.
 */
export function rememberUnfocusedLooks() {
  const props = ['outline-style', 'outline-width', 'outline-color', 'outline-offset', 'box-shadow', 'border-top-color',
    'border-top-width', 'border-bottom-color', 'border-bottom-width', 'background-color', 'color', 'text-decoration-line'];
  const m = new Map();
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex], summary')) {
    if (el === document.activeElement) continue;
    const st = getComputedStyle(el);
    m.set(el, props.map((p) => st.getPropertyValue(p)));
  }
  window.__e2eUnfocused = m;
  return m.size;
}

/**
 * focusState describes the focused element: what it is, whether it shows a
 * focus indicator (it looks different from how it looked unfocused, and the
 * change is visible: an outline or shadow that is not none and not
 * transparent, or a changed border, background or underline; an element
 * focused before its look was recorded needs a visible outline or shadow),
 * and whether it is on screen and not covered by another element.
 */
export function focusState(matchCss) {
  const props = ['outline-style', 'outline-width', 'outline-color', 'outline-offset', 'box-shadow', 'border-top-color',
    'border-top-width', 'border-bottom-color', 'border-bottom-width', 'background-color', 'color', 'text-decoration-line'];
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return { none: true };
  const s = getComputedStyle(el);
  const now = props.map((p) => s.getPropertyValue(p));
  const before = window.__e2eUnfocused && window.__e2eUnfocused.get(el);
  const transparent = (c) => /^transparent$|rgba\([^)]*,\s*0\)$/.test(c.trim());
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 && !transparent(s.outlineColor);
  const shadow = !!s.boxShadow && s.boxShadow !== 'none' && !/^(rgba\([^)]*,\s*0\)|transparent)\s/.test(s.boxShadow);
  let indicator;
  let how;
  if (!before) {
    indicator = outline || shadow;
    how = `(no unfocused look recorded) outline ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; box-shadow ${s.boxShadow}`;
  } else {
    const changed = props.map((p, i) => [p, before[i], now[i]]).filter(([, b, a]) => a !== b);
    const visible = changed.some(([p]) => (p.startsWith('outline') && outline) || (p === 'box-shadow' && shadow)
      || /^border|^background|^text-decoration/.test(p));
    indicator = visible;
    how = changed.length ? changed.map(([p, b, a]) => `${p}: ${b} -> ${a}`).join('; ')
      : `looks as it did unfocused (outline ${s.outlineStyle} ${s.outlineWidth}; box-shadow ${s.boxShadow})`;
  }
  const r = el.getBoundingClientRect();
  const vw = document.documentElement.clientWidth;
  const vh = window.innerHeight;
  const onScreen = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < vw && r.top < vh;
  let covered = null;
  if (onScreen) {
    const x = Math.min(Math.max(r.left + r.width / 2, 0), vw - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), vh - 1);
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== el && !el.contains(hit) && !hit.contains(el) && !(el.labels && [...el.labels].some((l) => l.contains(hit)))) {
      covered = `${hit.tagName.toLowerCase()}${hit.id ? `#${hit.id}` : ''}`;
    }
  }
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 40);
  return {
    none: false,
    what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('name') ? `[name=${el.getAttribute('name')}]` : ''}${el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : ''}${text ? ` "${text}"` : ''}`,
    tag: el.tagName,
    indicator,
    how,
    onScreen,
    covered,
    matches: !!matchCss && el.matches(matchCss),
  };
}

/**
 * installPendingProbe watches the form holding the button sel: when it is
 * submitted, 0.3 s and 1.5 s later (the answer still on its way; the old
 * page stays until the next one arrives) it records what the page shows
 * into sessionStorage "e2e-pending" (read by readPendingProbe on the page
 * that follows: no driver can read a page whose navigation is pending in
 * every engine): whether the form and the values typed (values) are still
 * there, whether the page marks the wait (aria-busy on the form or the
 * button, the button disabled), the button's text and the text of the live
 * regions (role status/alert, aria-live).
 */
export function installPendingProbe(sel, values) {
  const btn = document.querySelector(sel);
  const form = btn && btn.closest('form');
  if (!form) return false;
  sessionStorage.removeItem('e2e-pending');
  let presses = 0;
  const snap = (press, afterMs) => {
    const b = document.querySelector(sel);
    const f = b && b.closest('form');
    const kept = !!f && Object.entries(values).every(([k, v]) => {
      const x = f.querySelector(`[name="${k}"]:not([type=hidden])`);
      return x && x.value === v;
    });
    const live = [...document.querySelectorAll('[role=status], [role=alert], [aria-live]:not([aria-live=off])')]
      .map((e) => e.textContent.replace(/\s+/g, ' ').trim()).filter(Boolean);
    const all = JSON.parse(sessionStorage.getItem('e2e-pending') || '[]');
    all.push({
      press,
      afterMs,
      url: location.href,
      kept,
      busy: !!f && (f.getAttribute('aria-busy') === 'true' || b.getAttribute('aria-busy') === 'true'),
      disabled: !!b && (b.disabled || b.getAttribute('aria-disabled') === 'true'),
      button: b ? b.textContent.replace(/\s+/g, ' ').trim() : null,
      live,
    });
    sessionStorage.setItem('e2e-pending', JSON.stringify(all));
  };
  form.addEventListener('submit', () => {
    const press = ++presses;
    setTimeout(() => snap(press, 300), 300);
    setTimeout(() => snap(press, 1500), 1500);
  });
  return true;
}

export function readPendingProbe() {
  const v = sessionStorage.getItem('e2e-pending');
  sessionStorage.removeItem('e2e-pending');
  return v ? JSON.parse(v) : [];
}

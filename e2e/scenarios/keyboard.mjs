// Keyboard-only moves for scenario 13: Tab and Shift+Tab until the focus is
// on what the shopper wants, each focused element checked for a visible
// focus indicator (lib/browser-fns.mjs focusState), then Enter or Space.
import assert from 'node:assert/strict';
import * as B from '../lib/browser-fns.mjs';

/** The most Tab presses to reach anything on one page. */
const MAX_TABS = 80;

export class Keyboard {
  constructor(page) {
    this.page = page;
    this.tabs = 0;
    this.shiftTabs = 0;
    this.focusChecks = 0;
    this.seen = new Set();
  }

  /** fresh must be called on every new page: it records how each focusable element looks unfocused. */
  async fresh() {
    const n = await this.page.js(B.rememberUnfocusedLooks);
    assert.ok(n > 0, `${this.page.engine.name} at ${await this.page.path()}: nothing on the page can take focus`);
  }

  /**
   * tabTo presses Tab (Shift+Tab with shift) until the focused element
   * matches css, checking at every step that the focused element shows a
   * focus indicator and is on screen, not covered. It returns the presses.
   */
  async tabTo(css, { shift = false, max = MAX_TABS } = {}) {
    const { page } = this;
    for (let i = 1; i <= max; i++) {
      await page.press('Tab', { shift });
      if (shift) this.shiftTabs++; else this.tabs++;
      const f = await page.js(B.focusState, css);
      const w = `${page.engine.name} at ${await page.path()}: ${shift ? 'Shift+Tab' : 'Tab'} ${i} (towards ${css})`;
      assert.ok(!f.none, `${w}: nothing is focused (the focus left the page)`);
      this.focusChecks++;
      this.seen.add(f.what);
      assert.ok(f.indicator, `${w}: ${f.what} is focused without a visible focus indicator: ${f.how}`);
      assert.ok(f.onScreen, `${w}: the focused ${f.what} is not on screen`);
      assert.ok(!f.covered, `${w}: the focused ${f.what} is covered by ${f.covered}`);
      if (f.matches) return i;
    }
    assert.fail(`${page.engine.name} at ${await page.path()}: ${max} presses of ${shift ? 'Shift+Tab' : 'Tab'} never reached ${css}`);
  }

  /** fill tabs to the field named name and types value (a select: its type-ahead). */
  async fill(name, value) {
    await this.tabTo(field(name));
    await this.page.typeText(value);
  }

  /** activate presses key (Enter or Space) on the focused element and waits for the page it leads to. */
  async activate(key) {
    const status = await this.page.press(key, { navigate: true });
    await this.fresh();
    return status;
  }
}

export const field = (name) => `[name="${name}"]:not([type=hidden])`;
export const link = (href) => `a[href="${href}"]`;
export const submitOf = (formCss) => `${formCss} button:not([type]), ${formCss} button[type=submit], ${formCss} input[type=submit]`;

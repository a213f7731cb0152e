// The full journey at 200% zoom and, where the engine can emulate it, in
// forced colours: every page checked (drivers/base.mjs check) has no
// horizontal scrolling and nothing cut off or hidden (lib/browser-fns.mjs
// cutOff: no shown element reaching past the viewport's edges, no content
// clipped by overflow, no text cut with an ellipsis); in forced colours the
// mode must be in effect on every page, and no form control may be left
// without any visible edge (no border, no underline). 200% zoom is a 640x450 CSS px
// viewport on the 1280x900 desktop (device scale 2 in Chromium and
// Firefox); forced colours are Chromium's DevTools emulation and Firefox's
// "override the page's colours: always"; WebKitGTK has no forced colours.
import assert from 'node:assert/strict';
import { journey } from './journey.mjs';

export const title = '200% zoom, forced colours';

export async function run(t) {
  const forcedColors = t.engine.name !== 'webkit';
  if (!forcedColors) {
    // Measured, not assumed: WebKitGTK knows the media feature but is never in forced colours.
    const ctx = await t.newContext();
    const page = await ctx.newPage('probe');
    await page.goto('/');
    const mq = await page.js(() => ['active', 'none'].map((v) => `(forced-colors: ${v}) ${matchMedia(`(forced-colors: ${v})`).matches}`).join(', '));
    t.note(`forced colours cannot be emulated in WebKitGTK (no forced-colours mode; here ${mq}): 200% zoom only`);
  }
  await journey(t, { zoom: 2, forcedColors }, 's14');
  const bare = [...(t.engine.bareInForcedColors || new Map())].map(([b, n]) => `${b} (${n} pages)`);
  // Forced colours drop backgrounds: a control with no border and no
  // underline shows as bare text, nothing that looks pressable.
  assert.deepEqual(bare, [], `${t.engine.name}: in forced colours these controls show as bare text (no border, no underline)`);
}

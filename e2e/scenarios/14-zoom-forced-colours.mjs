// The full journey at 200% zoom and, where the engine can emulate it, in
// forced colours: every page checked (drivers/base.mjs check) has no
// horizontal scrolling and nothing cut off or hidden (lib/browser-fns.mjs
// cutOff: no shown element reaching past the viewport's edges, no content
// clipped by overflow, no text cut with an ellipsis), and in forced colours
// every form control keeps a visible edge. 200% zoom is a 640x450 CSS px
// viewport on the 1280x900 desktop (device scale 2 in Chromium and
// Firefox); forced colours are Chromium's DevTools emulation and Firefox's
// "override the page's colours: always"; WebKitGTK has no forced colours.
import { journey } from './journey.mjs';

export const title = '200% zoom, forced colours';

export async function run(t) {
  const forcedColors = t.engine.name !== 'webkit';
  if (!forcedColors) t.note('forced colours cannot be emulated in WebKitGTK (no forced-colours mode): 200% zoom only');
  await journey(t, { zoom: 2, forcedColors }, 's14');
}

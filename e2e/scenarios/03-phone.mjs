// On a 375 x 667 touch screen; every page checked has no horizontal
// scrolling (BasePage.check).
import { journey } from './journey.mjs';

export const title = 'journey on a phone screen (375x667, touch)';
export async function run(t) { await journey(t, { phone: true }, 's3'); }

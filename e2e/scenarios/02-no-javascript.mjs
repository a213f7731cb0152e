import { journey } from './journey.mjs';

export const title = 'journey with JavaScript turned off';
export async function run(t) { await journey(t, { javascript: false }, 's2'); }

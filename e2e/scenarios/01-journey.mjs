import { journey } from './journey.mjs';

export const title = 'full journey';
export async function run(t) { await journey(t, {}, 's1'); }

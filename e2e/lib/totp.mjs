// Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps,
// 6 digits), as a staff member's authenticator app computes them from the
// secret `storefront staff add` prints. The shop accepts each step's code
// once, so a scenario needing a second code waits for the next step
// (nextStep).
import crypto from 'node:crypto';
import { sleep } from './procs.mjs';

export const STEP_SECONDS = 30;

/** base32Decode decodes RFC 4648 base32 (upper or lower case, padding and spaces ignored). */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = String(text).toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** stepAt is the RFC 6238 time step counter of the time ms (epoch milliseconds). */
export function stepAt(ms) { return Math.floor(ms / 1000 / STEP_SECONDS); }

/** hotp is RFC 4226's code of counter for key (a Buffer), digits long. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** totp is the code of the base32 secret at time ms (default now). */
export function totp(secret, ms = Date.now(), digits = 6) {
  return hotp(base32Decode(secret), stepAt(ms), digits);
}

/**
 * freshCode returns a code with at least minLeftMs of its step left (the
 * shop allows one step of clock skew, but a code typed at the very end of
 * its step is needlessly close), after step `after` when given: a code of a
 * step already used is refused. It returns {code, step}.
 */
export async function freshCode(secret, { after = -1, minLeftMs = 5000 } = {}) {
  for (;;) {
    const now = Date.now();
    const step = stepAt(now);
    const left = (step + 1) * STEP_SECONDS * 1000 - now;
    if (step > after && left >= minLeftMs) return { code: totp(secret, now), step };
    await sleep(left + 50);
  }
}

/** wrongCode is a 6-digit code that is none of the codes the shop accepts around now. */
export function wrongCode(secret, ms = Date.now()) {
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totp(secret, ms + d * STEP_SECONDS * 1000)));
  for (let n = 123456; ; n = (n + 111111) % 1000000) {
    const c = String(n).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

// Child processes of the suite: started here, all ended on exit, failure or
// SIGINT/SIGTERM, each by its own process group.
import { spawn } from 'node:child_process';
import net from 'node:net';

const children = new Set();

/** spawn starts a command in its own process group and remembers it for stopAll. */
export function start(cmd, args, { env = process.env, cwd, name = cmd, onLine } = {}) {
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.label = name;
  child.output = [];
  const keep = (stream) => {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        child.output.push(line);
        if (child.output.length > 400) child.output.shift();
        if (onLine) onLine(line);
      }
    });
  };
  keep(child.stdout);
  keep(child.stderr);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** stop ends one child (its whole process group): SIGTERM, then SIGKILL. */
export async function stop(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
  await child.exited;
  clearTimeout(t);
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stop(c)));
}

/** stopAllSync is for process 'exit', where nothing async runs any more. */
export function stopAllSync() {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

/** waitForLine resolves with the first output line matching re. */
export function waitForLine(child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const found = child.output.find((l) => re.test(l));
    if (found) return resolve(found.match(re));
    const t = setTimeout(() => {
      reject(new Error(`${what}: no line matching ${re} within ${timeoutMs} ms; output:\n${child.output.slice(-30).join('\n')}`));
    }, timeoutMs);
    const onData = () => {
      const l = child.output.find((x) => re.test(x));
      if (l) { clearTimeout(t); resolve(l.match(re)); }
    };
    child.stdout.on('data', () => setImmediate(onData));
    child.stderr.on('data', () => setImmediate(onData));
    child.exited.then(({ code, signal }) => {
      clearTimeout(t);
      reject(new Error(`${what} exited (code ${code}, signal ${signal}) before ready; output:\n${child.output.slice(-30).join('\n')}`));
    });
  });
}

/**
 * runCommand runs a short command to its end, input written to its
 * standard input, and resolves with {code, signal, stdout, stderr}. Like
 * start's children it is ended on exit; after timeoutMs it is killed.
 */
export function runCommand(cmd, args, { env = process.env, input = '', timeoutMs = 60000, name = cmd } = {}) {
  const child = spawn(cmd, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.label = name;
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  child.stdin.on('error', () => {}); // it may exit before reading
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.on('error', (e) => { clearTimeout(t); children.delete(child); reject(new Error(`${name}: ${e.message}`)); });
    child.on('close', (code, signal) => { clearTimeout(t); children.delete(child); resolve({ code, signal, ...out }); });
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** poll calls fn until it returns a truthy value or the time is up. */
export async function poll(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(intervalMs);
  }
}

/** withTimeout rejects when promise has not settled within ms. */
export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms / 1000} s`)), ms); })])
    .finally(() => clearTimeout(t));
}

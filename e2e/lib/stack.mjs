// The system under test: a local DynamoDB server (moto) and one Storefront
// process per engine, each with its own table prefix, so every engine starts
// with the full demo catalog and its stock.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { start, stop, waitForLine, freePort, poll, runCommand } from './procs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

/** startDynamo starts scripts/dynamodb_local.py on a free port and returns its URL. */
export async function startDynamo({ logFile } = {}) {
  const script = path.join(repoRoot, 'scripts', 'dynamodb_local.py');
  if (!fs.existsSync(script)) throw new Error(`missing ${script}`);
  const onLine = logFile ? (line) => fs.appendFileSync(logFile, `${line}\n`) : undefined;
  const child = start('python3', [script, '--port', '0'], { name: 'dynamodb_local', onLine });
  const m = await waitForLine(child, /^READY (http:\/\/\S+)/, 30000, 'local DynamoDB server (scripts/dynamodb_local.py)');
  return { url: m[1], child, stop: () => stop(child) };
}

/** storefrontBinary returns the app binary, building it once when it is missing. */
export function storefrontBinary() {
  const bin = path.resolve(process.env.STOREFRONT_BIN || path.join(repoRoot, 'bin', 'storefront'));
  if (!fs.existsSync(bin)) {
    console.log(`building ${path.relative(process.cwd(), bin)} (go build ./cmd/storefront)`);
    execFileSync('go', ['build', '-o', bin, './cmd/storefront'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return bin;
}

/**
 * startApp starts the shop on DynamoDB with a fresh table prefix (or the
 * given one: a second server on the same tables) and waits for /healthz
 * and the catalog. The result can restart the process on the same port and
 * tables (scenario 11).
 */
export async function startApp({ bin, dynamoURL, engine, logFile, prefix, name = `storefront (${engine})` }) {
  const port = await freePort();
  prefix ||= `e2e-${engine}-${crypto.randomBytes(4).toString('hex')}-`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    STOREFRONT_STORE: 'dynamodb',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoURL,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    STOREFRONT_TABLE_PREFIX: prefix,
    HOST: '127.0.0.1',
    PORT: String(port),
    // Every engine's shop runs at once: each takes a free port for /metrics.
    STOREFRONT_METRICS_ADDR: '127.0.0.1:0',
    LOG_LEVEL: process.env.E2E_APP_LOG_LEVEL || 'info',
  };
  // The shop's log (at info, every request) goes to logFile.
  const onLine = logFile ? (line) => fs.appendFileSync(logFile, `${line}\n`) : undefined;
  const baseURL = `http://127.0.0.1:${port}`;
  const app = { baseURL, prefix, port, env, starts: 0 };
  const launch = async () => {
    app.starts++;
    if (logFile && app.starts > 1) fs.appendFileSync(logFile, `--- e2e: ${name} started again (start ${app.starts}) ---\n`);
    const child = start(bin, [], { env, name, onLine });
    app.child = child;
    let exited = null;
    child.exited.then((x) => { exited = x; });
    await poll(async () => {
      if (exited) throw new Error(`storefront exited (code ${exited.code}):\n${child.output.slice(-30).join('\n')}`);
      const r = await fetch(`${baseURL}/healthz`);
      return r.status === 200;
    }, { timeoutMs: 120000, intervalMs: 200, what: `${baseURL}/healthz` }).catch((e) => {
      throw new Error(`${e.message}\nstorefront output:\n${child.output.slice(-30).join('\n')}`);
    });
    // The demo catalog is loaded on start; wait until the API lists it.
    await poll(async () => {
      const r = await fetch(`${baseURL}/api/v1/products?per_page=1`);
      if (r.status !== 200) return false;
      const j = await r.json();
      return j.total >= 48;
    }, { timeoutMs: 60000, intervalMs: 250, what: 'the demo catalog (48+ products) via /api/v1/products' });
  };
  await launch();
  // command runs the program's command line (`storefront staff add ...`)
  // in the same environment, so it reaches the running shop's store.
  app.command = (args, input) => runCommand(bin, args, { env, input, name: `storefront ${args[0]} (${engine})` });
  app.stop = () => stop(app.child);
  /**
   * restart ends the process with signal (SIGTERM: a graceful stop, waited
   * for; SIGKILL: at once) and starts it again on the same port and tables.
   * It returns how the old process ended.
   */
  app.restart = async (signal = 'SIGTERM') => {
    const old = app.child;
    try { process.kill(-old.pid, signal); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(-old.pid, 'SIGKILL'); } catch { /* gone */ } }, 15000);
    const how = await old.exited;
    clearTimeout(t);
    // Nothing answers on the port any more.
    const refused = await fetch(`${baseURL}/healthz`).then(() => false, () => true);
    if (!refused) throw new Error(`${baseURL} still answers after the shop process ended (${signal})`);
    await launch();
    return how;
  };
  return app;
}

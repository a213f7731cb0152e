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

/** startApp starts the shop on DynamoDB with a fresh table prefix and waits for /healthz. */
export async function startApp({ bin, dynamoURL, engine, logFile }) {
  const port = await freePort();
  const prefix = `e2e-${engine}-${crypto.randomBytes(4).toString('hex')}-`;
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
  const child = start(bin, [], { env, name: `storefront (${engine})`, onLine });
  const baseURL = `http://127.0.0.1:${port}`;
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
  // command runs the program's command line (`storefront staff add ...`)
  // in the same environment, so it reaches the running shop's store.
  const command = (args, input) => runCommand(bin, args, { env, input, name: `storefront ${args[0]} (${engine})` });
  return { baseURL, prefix, child, command, stop: () => stop(child) };
}

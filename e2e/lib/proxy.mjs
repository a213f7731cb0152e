// A recording reverse proxy in front of the shop, used two ways:
//
// - Recording (every WebKit context): WebDriver classic cannot tell a
//   page's HTTP status, headers or failed subresource requests, so every
//   request of a session passes through here and is logged.
// - The test network of scenarios 12, 15 and 16 (any engine; a WebKit
//   context's recording proxy then forwards to it): round robin over several
//   shops (`targets`), a delay added to every answer (`latencyMs`), and
//   answers held (`holdNext`) or lost on the way back (`dropNext`: the
//   request reaches the shop and is answered there, and the browser's
//   connection is closed without a byte of the answer).
//
// The Host header is kept, so the shop sees requests to the proxy's own
// origin (its cross-origin check compares Origin with Host). An upstream
// connection that fails or is dropped is passed on as a dropped connection
// (`mirrorDrops`), so a browser behind two proxies sees what it would see
// behind one.
import http from 'node:http';

/**
 * startProxy starts a proxy to target (a URL, or a list of URLs served in
 * turn, one request each). Options: latencyMs [min, max] added before each
 * answer is passed on (uniformly random, from a seeded sequence), and
 * mirrorDrops (see above; otherwise a failed upstream answers 502), and
 * keepAlive false: every answer closes its connection (Connection: close,
 * which a recording proxy in front passes on), so that a browser never
 * takes a lost answer for a connection that its server closed while idle
 * and quietly sends the request again (Chromium does).
 */
export async function startProxy(target, { latencyMs = null, mirrorDrops = false, seed = 1, keepAlive = true } = {}) {
  const targets = (Array.isArray(target) ? target : [target]).map((u) => new URL(u));
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 16 }));
  const log = [];
  const rules = []; // armed by holdNext/dropNext: {match, kind, ...}
  let next = 0;
  let rand = seed >>> 0 || 1;
  const random = () => { rand ^= rand << 13; rand >>>= 0; rand ^= rand >>> 17; rand ^= rand << 5; rand >>>= 0; return rand / 2 ** 32; };
  let inflight = 0;
  let inflightDocs = 0;
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    const isDoc = req.headers['sec-fetch-dest'] === 'document'
      || (!req.headers['sec-fetch-dest'] && /text\/html/.test(req.headers.accept || ''));
    const i = next;
    next = (next + 1) % targets.length;
    const t = targets[i];
    const entry = {
      method: req.method, url: `http://${req.headers.host}${req.url}`, path: req.url, isDoc, status: null, headers: null,
      time: Date.now(), upstream: i, answeredAt: null,
    };
    log.push(entry);
    const ruleAt = rules.findIndex((r) => r.match(entry) && !(r.until && Date.now() > r.until));
    const rule = ruleAt >= 0 ? rules[ruleAt] : null;
    if (rule) {
      rule.hits++;
      // A rule with windowMs stays for that long after its first request.
      if (rule.windowMs && !rule.until) rule.until = Date.now() + rule.windowMs;
      else if (!rule.windowMs) rules.splice(ruleAt, 1);
    }
    inflight++;
    if (isDoc) inflightDocs++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inflight--;
      if (isDoc) inflightDocs--;
    };
    const drop = () => { finish(); req.socket.destroy(); };
    const up = http.request({
      host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers, agent: agents[i],
    }, (upRes) => {
      entry.status = upRes.statusCode;
      entry.headers = upRes.headers;
      const body = [];
      upRes.on('data', (d) => body.push(d));
      upRes.on('error', drop);
      upRes.on('end', async () => {
        entry.answeredAt = Date.now();
        if (rule && rule.hits === 1) rule.arrived(entry);
        if (rule && rule.kind === 'drop') {
          entry.dropped = true;
          drop();
          return;
        }
        if (rule && rule.kind === 'hold') await rule.released;
        if (latencyMs) {
          const [lo, hi] = latencyMs;
          const ms = Math.round(lo + random() * (hi - lo));
          entry.delayMs = ms;
          await new Promise((r) => setTimeout(r, ms));
        }
        if (res.destroyed || res.writableEnded) { finish(); return; } // the browser gave up meanwhile
        const headers = keepAlive ? upRes.rawHeaders : [...upRes.rawHeaders.filter((_, j, h) => !/^connection$|^keep-alive$/i.test(h[j - (j % 2)])), 'Connection', 'close'];
        res.writeHead(upRes.statusCode, headers);
        res.end(Buffer.concat(body));
      });
    });
    up.on('error', (e) => {
      entry.status = 502;
      entry.error = e.message;
      if (rule) rule.arrived(entry);
      if (mirrorDrops) { drop(); return; }
      finish();
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy error: ${e.message}`);
    });
    res.on('close', finish);
    req.pipe(up);
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;

  /** arm adds a rule for the next request matching (method, path regexp). */
  const arm = (kind, method, pathRe, { windowMs = 0 } = {}) => {
    let arrived;
    let release;
    const rule = {
      kind,
      windowMs,
      hits: 0,
      until: 0,
      match: (e) => e.method === method && pathRe.test(e.path),
      arrived: null,
      released: new Promise((r) => { release = r; }),
    };
    const answered = new Promise((r) => { arrived = r; });
    rule.arrived = arrived;
    rules.push(rule);
    const stop = () => { const i = rules.indexOf(rule); if (i >= 0) rules.splice(i, 1); };
    return { answered, release: () => release(), stop, get hits() { return rule.hits; } };
  };

  return {
    url,
    log,
    get inflightDocs() { return inflightDocs; },
    get inflight() { return inflight; },
    /**
     * holdNext holds the answer of the next request method pathRe (after
     * the shop answered it) until release() is called: {answered (a
     * promise of its log entry, once the shop answered), release}.
     */
    holdNext: (method, pathRe) => arm('hold', method, pathRe),
    /**
     * dropNext lets the next request method pathRe reach the shop, waits
     * for the shop's whole answer and then closes the browser's connection
     * without passing any of it on: {answered (its log entry), hits}.
     * windowMs: every such request within that time after the first (or
     * until stop()) is lost too (a browser may send it again by itself).
     */
    dropNext: (method, pathRe, opts) => arm('drop', method, pathRe, opts),
    /** sendNextTo makes target i take the next request (the turn goes on from there). */
    sendNextTo: (i) => { next = i % targets.length; },
    /** requests: the log entries of method and pathRe. */
    requests: (method, pathRe) => log.filter((e) => e.method === method && pathRe.test(e.path)),
    close: () => new Promise((r) => {
      for (const a of agents) a.destroy();
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

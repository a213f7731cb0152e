// A recording reverse proxy in front of the shop, for the WebKit sessions:
// WebDriver classic cannot tell a page's HTTP status, headers or failed
// subresource requests, so every request of a session passes through here.
// The Host header is kept, so the shop sees requests to the proxy's own
// origin (its cross-origin check compares Origin with Host).
import http from 'node:http';

export async function startProxy(target) {
  const t = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const log = [];
  let inflight = 0;
  let inflightDocs = 0;
  const server = http.createServer((req, res) => {
    const isDoc = req.headers['sec-fetch-dest'] === 'document'
      || (!req.headers['sec-fetch-dest'] && /text\/html/.test(req.headers.accept || ''));
    const entry = { method: req.method, url: `http://${req.headers.host}${req.url}`, isDoc, status: null, headers: null, time: Date.now() };
    log.push(entry);
    inflight++;
    if (isDoc) inflightDocs++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inflight--;
      if (isDoc) inflightDocs--;
    };
    const up = http.request({
      host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers, agent,
    }, (upRes) => {
      entry.status = upRes.statusCode;
      entry.headers = upRes.headers;
      res.writeHead(upRes.statusCode, upRes.rawHeaders);
      upRes.pipe(res);
      upRes.on('end', finish);
      upRes.on('error', finish);
    });
    up.on('error', (e) => {
      entry.status = 502;
      entry.error = e.message;
      finish();
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`proxy error: ${e.message}`);
    });
    res.on('close', finish);
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    log,
    get inflightDocs() { return inflightDocs; },
    get inflight() { return inflight; },
    close: () => new Promise((r) => { agent.destroy(); server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

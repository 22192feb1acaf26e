#!/usr/bin/env node
// live_mode_test.mjs: greentune.js's two dashboard modes, in headless Chromium, against a
// small stand-in for the dashboard's API (the real server is tested by its own e2e test).
//
//   node web/test/live_mode_test.mjs REPORT.html OUTDIR
//
// REPORT.html: a page written by `greentune report --html`; its view (the line
// "window.GREENTUNE = {...};") is what the stand-in serves.  Checks, exit 1 with the
// reasons on stderr if any fails:
//   live   GET /api/studies/NAME/view is drawn; when /api/version changes, the new view
//          (more trials) is drawn into the same chart instances, without a page load;
//          every request carries "Authorization: Bearer TOKEN"; no console errors.
//   index  /api/studies is listed; links are /studies/NAME URL-encoded with ?token= kept;
//          a study name holding markup is shown as text and does not run.
// Screenshots: OUTDIR/live.png and OUTDIR/index.png.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [reportPath, outdir] = process.argv.slice(2);
if (!reportPath || !outdir) {
  process.stderr.write('usage: node web/test/live_mode_test.mjs REPORT.html OUTDIR\n');
  process.exit(2);
}
const web = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const assets = {
  'echarts.min.js': path.join(web, 'node_modules/echarts/dist/echarts.min.js'),
  'greentune.js': path.join(web, 'src/greentune.js'),
  'style.css': path.join(web, 'style.css'),
};
const TOKEN = 'tok-123';
const NAME = 'a study/with spaces';
const XSS = '<img src=x onerror=window.__xss=1>';
const full = JSON.parse(/^window\.GREENTUNE = (.*);$/m.exec(readFileSync(reportPath, 'utf8'))[1]).view;

// The view as it was when only the first `n` of the shown trials existed.
function firstTrials(view, n) {
  const v = structuredClone(view);
  const cut = (a) => a.slice(0, n);
  const c = v.trials.columns;
  for (const k of Object.keys(c)) if (Array.isArray(c[k])) c[k] = cut(c[k]);
  for (const k of Object.keys(c.params)) c.params[k] = cut(c.params[k]);
  for (const k of Object.keys(v.energy.series)) v.energy.series[k] = cut(v.energy.series[k]);
  v.trials.total = n;
  v.trials.shown = n;
  v.history.best = v.history.best.filter((p) => p[0] < n);
  v.carbon_vs_best.points = v.carbon_vs_best.points.filter((p) => p[2] < n);
  v.parallel.rows = v.parallel.rows.filter((k) => k < n);
  return v;
}

let version = 1;
const unauthorised = [];
function page(config) {
  // (The icon link keeps the browser from asking for /favicon.ico without the token.)
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/style.css">
<script src="/assets/echarts.min.js"></script></head><body><div id="greentune"></div>
<script>window.GREENTUNE = ${JSON.stringify(config).replace(/</g, '\\u003c')};</script>
<script src="/assets/greentune.js"></script></body></html>`;
}
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const send = (status, type, body) => { res.writeHead(status, { 'content-type': type }); res.end(body); };
  if (url.pathname.startsWith('/assets/')) {
    const file = assets[url.pathname.slice(8)];
    return file ? send(200, url.pathname.endsWith('.css') ? 'text/css' : 'text/javascript', readFileSync(file))
                : send(404, 'text/plain', 'no such asset');
  }
  if (url.pathname === '/live') return send(200, 'text/html', page({ mode: 'live', api: `/api/studies/${encodeURIComponent(NAME)}`, token: TOKEN }));
  if (url.pathname === '/') return send(200, 'text/html', page({ mode: 'index', api: '/api/studies', token: TOKEN }));
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    unauthorised.push(url.pathname);
    return send(401, 'application/json', '{"error": "token"}');
  }
  if (url.pathname === '/api/version') return send(200, 'application/json', JSON.stringify({ version }));
  if (url.pathname === `/api/studies/${encodeURIComponent(NAME)}/view`) {
    const n = Math.max(2, Math.floor(full.trials.columns.number.length / 2));
    return send(200, 'application/json', JSON.stringify(version === 1 ? firstTrials(full, n) : full));
  }
  if (url.pathname === '/api/studies') {
    return send(200, 'application/json', JSON.stringify({ studies: [
      { name: NAME, direction: 'minimize', metric: 'loss', n_trials: 3, best: { value: 0.5 } },
      { name: XSS, direction: 'maximize', metric: XSS, n_trials: 0, best: null }] }));
  }
  return send(404, 'text/plain', 'not found');
});

const errors = [];
const check = (ok, message) => { if (!ok) errors.push(message); };
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
mkdirSync(outdir, { recursive: true });
const profile = mkdtempSync(path.join(tmpdir(), 'greentune-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'],
  viewport: { width: 1440, height: 1000 },
});
try {
  const p = context.pages()[0] || await context.newPage();
  p.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
  p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  let loads = 0;
  p.on('load', () => { loads += 1; });

  await p.goto(`${base}/live`);
  const half = firstTrials(full, Math.max(2, Math.floor(full.trials.columns.number.length / 2))).trials.total;
  await p.waitForFunction((n) => window.greentuneView && window.greentuneView.trials.total === n && window.greentuneCharts.history, half, { timeout: 15000 });
  const before = await p.evaluate(() => {
    window.__sameDocument = true;
    window.greentuneCharts.history.__marker = 'first';
    return window.greentuneCharts.history.getOption().series[0].data.length;
  });
  version = 2;  // new trials: the page must notice within a poll or two
  await p.waitForFunction((n) => window.greentuneView.trials.total === n, full.trials.total, { timeout: 10000 });
  const after = await p.evaluate(() => ({
    same: window.__sameDocument === true && window.greentuneCharts.history.__marker === 'first',
    points: window.greentuneCharts.history.getOption().series[0].data.length,
    rows: document.querySelectorAll('#section-trials tbody tr').length,
  }));
  check(after.same, 'the live page was reloaded or its charts re-created instead of updated in place');
  check(after.points > before, `the history chart did not grow (${before} -> ${after.points} points)`);
  check(after.rows > 0, 'the trials table is empty');
  check(loads === 1, `the page loaded ${loads} times`);
  await p.screenshot({ path: path.join(outdir, 'live.png'), fullPage: true });

  await p.goto(`${base}/?token=${TOKEN}`);
  await p.waitForSelector('#greentune table a', { timeout: 10000 });
  const index = await p.evaluate(() => ({
    links: [...document.querySelectorAll('#greentune table a')].map((a) => [a.getAttribute('href'), a.textContent]),
    xss: window.__xss, imgs: document.querySelectorAll('img').length,
  }));
  check(index.links.length === 2, `expected 2 study links, got ${JSON.stringify(index.links)}`);
  check(index.links[0] && index.links[0][0] === `/studies/${encodeURIComponent(NAME)}?token=${TOKEN}`, `link: ${JSON.stringify(index.links[0])}`);
  check(index.links[1] && index.links[1][1] === XSS, 'a study name holding markup is not shown as text');
  check(index.xss === undefined && index.imgs === 0, 'a study name holding markup ran');
  await p.screenshot({ path: path.join(outdir, 'index.png'), fullPage: true });
} catch (e) {
  errors.push(`${e.name}: ${e.message}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
check(unauthorised.length === 0, `requests without the token: ${unauthorised.join(', ')}`);
process.stdout.write(`${JSON.stringify({ ok: errors.length === 0, errors, screenshots: [path.resolve(outdir, 'live.png'), path.resolve(outdir, 'index.png')] })}\n`);
for (const e of errors) process.stderr.write(`live_mode_test: ${e}\n`);
process.exit(errors.length ? 1 : 0);

#!/usr/bin/env node
// page_check.mjs: opens a greentune page (the HTML report or the dashboard) in real
// headless Chromium and checks it the way a person would look at it.
//
//   node web/test/page_check.mjs URL OUTDIR [options]
//
//   URL                      http://..., https://... or file:///.../report.html
//   OUTDIR                   created if missing; screenshot.png (the full page) goes here,
//                            and section-ID.png for each chart (its #section-ID element)
//   --expect-charts a,b      each id must be in window.greentuneCharts with data points
//                            (some series with data length > 0)
//   --header 'Name: value'   sent with every request (repeatable), e.g.
//                            --header 'Authorization: Bearer TOKEN'
//   --wait-for-trials N      wait until the drawn view has at least N trials
//                            (window.greentuneView.trials.total)
//   --expect-text TEXT       TEXT must be shown on the page as text (repeatable)
//   --assert-no-xss          window.__xss stays undefined, no element has an on* attribute
//                            or is <img src="x">, also after every chart's first tooltip
//                            was shown (tooltips are HTML: their escaping is checked too)
//   --offline                fail on any request other than URL itself (data: and blob: are
//                            fine): the report must open with no network
//   --timeout-ms MS          how long to wait for the charts and trials (default 20000)
//   --chromium PATH          the browser (default /usr/bin/chromium)
//
// Fails (exit 1, the reasons on stderr) on any console error, uncaught page error, failed
// request, missing chart, chart without data, or failed assertion; exit 2 on bad usage.
// Always prints one JSON line on stdout: {"ok", "url", "load_ms" (navigation until the
// expected charts on the first screen and the trials are drawn), "all_charts_ms" (until
// every expected chart is drawn, each scrolled to), "draw_ms" (greentune.js laying out
// the last view),
// "charts": {id: {series, points}}, "trials", "errors", "screenshot"}.  Chromium runs with --headless --no-sandbox
// --disable-gpu and a fresh temporary profile, removed afterwards.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

function usage(message) {
  process.stderr.write(`page_check: ${message}\n` +
    'usage: node web/test/page_check.mjs URL OUTDIR [--expect-charts id,id] [--header "Name: value"]\n' +
    '       [--wait-for-trials N] [--expect-text TEXT] [--assert-no-xss] [--offline]\n' +
    '       [--timeout-ms MS] [--chromium PATH]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { charts: [], headers: {}, texts: [], trials: 0, xss: false, offline: false,
                 timeout: 20000, chromium: '/usr/bin/chromium', positional: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      i += 1;
      return argv[i];
    };
    if (a === '--expect-charts') opts.charts.push(...value().split(',').filter(Boolean));
    else if (a === '--header') {
      const h = value();
      const at = h.indexOf(':');
      if (at <= 0) usage(`--header "${h}": expected "Name: value"`);
      opts.headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
    } else if (a === '--wait-for-trials') opts.trials = Number(value());
    else if (a === '--expect-text') opts.texts.push(value());
    else if (a === '--assert-no-xss') opts.xss = true;
    else if (a === '--offline') opts.offline = true;
    else if (a === '--timeout-ms') opts.timeout = Number(value());
    else if (a === '--chromium') opts.chromium = value();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else opts.positional.push(a);
  }
  if (opts.positional.length !== 2) usage('expected URL and OUTDIR');
  if (!Number.isFinite(opts.trials) || !Number.isFinite(opts.timeout)) usage('bad number');
  [opts.url, opts.outdir] = opts.positional;
  return opts;
}

// In the page: what each chart holds.
function chartCounts() {
  const out = {};
  for (const [id, chart] of Object.entries(window.greentuneCharts || {})) {
    const series = chart.getOption().series || [];
    out[id] = { series: series.length,
                points: series.reduce((n, s) => n + (Array.isArray(s.data) ? s.data.length : 0), 0) };
  }
  return out;
}

// In the page: markup that user text must never have become.
function injected() {
  const found = [];
  if (window.__xss !== undefined) found.push(`window.__xss = ${String(window.__xss)}`);
  for (const node of document.querySelectorAll('*')) {
    for (const attr of node.attributes) {
      if (attr.name.startsWith('on')) found.push(`<${node.tagName.toLowerCase()} ${attr.name}>`);
    }
    if (node.tagName === 'IMG' && node.getAttribute('src') === 'x') found.push('<img src="x">');
  }
  return found;
}

// The full page as drawn (before any tooltip is opened), and each chart's section alone
// (section-ID.png), to look at closely.
let shot = false;
async function screenshots(page, o, summary) {
  shot = true;
  try {
    await page.screenshot({ path: summary.screenshot, fullPage: true });
    for (const id of Object.keys(summary.charts)) {
      const section = page.locator(`#section-${id}`);
      if (await section.count()) await section.screenshot({ path: path.join(o.outdir, `section-${id}.png`) });
    }
  } catch (e) {
    summary.errors.push(`screenshot: ${e.message}`);
    summary.screenshot = null;
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.outdir, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), 'greentune-chromium-'));
  const errors = [];
  const summary = { ok: false, url: o.url, load_ms: null, all_charts_ms: null, draw_ms: null, charts: {}, trials: null, errors,
                    screenshot: path.resolve(o.outdir, 'screenshot.png') };
  let context;
  let page;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: o.chromium, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
      viewport: { width: 1440, height: 1000 }, extraHTTPHeaders: o.headers,
    });
    page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
    page.on('request', (r) => {
      const u = r.url();
      if (o.offline && u !== o.url && !u.startsWith('data:') && !u.startsWith('blob:')) {
        errors.push(`network request from an offline page: ${u}`);
      }
    });
    const t0 = Date.now();
    await page.goto(o.url, { waitUntil: 'load', timeout: o.timeout });
    // Charts are drawn as they come near the screen (greentune.js): first those of the
    // first screen (load_ms: what a person sees ready), then each other one scrolled to.
    const ready = ({ ids, trials, firstScreen }) => {
      const charts = window.greentuneCharts || {};
      const view = window.greentuneView;
      const wanted = ids.filter((id) => {
        if (!firstScreen) return true;
        const box = document.getElementById(`chart-${id}`);
        return box && box.getBoundingClientRect().top < window.innerHeight;
      });
      return wanted.every((id) => charts[id]) && (trials <= 0 || (view && view.trials.total >= trials));
    };
    try {
      await page.waitForFunction(ready, { ids: o.charts, trials: o.trials, firstScreen: true },
                                 { timeout: o.timeout, polling: 'raf' });
      summary.load_ms = Date.now() - t0;
      for (const id of o.charts) {
        const section = page.locator(`#section-${id}`);
        if (await section.count()) await section.scrollIntoViewIfNeeded({ timeout: o.timeout });
      }
      await page.waitForFunction(ready, { ids: o.charts, trials: o.trials, firstScreen: false },
                                 { timeout: o.timeout, polling: 'raf' });
      summary.all_charts_ms = Date.now() - t0;
      await page.evaluate(() => window.scrollTo(0, 0));
    } catch {
      const have = await page.evaluate(() => [Object.keys(window.greentuneCharts || {}),
                                              window.greentuneView ? window.greentuneView.trials.total : null]);
      errors.push(`timed out after ${o.timeout} ms waiting for charts [${o.charts}] (have [${have[0]}]) ` +
                  `and ${o.trials} trials (have ${have[1]})`);
    }
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 300))));
    summary.charts = await page.evaluate(chartCounts);
    summary.trials = await page.evaluate(() => (window.greentuneView ? window.greentuneView.trials.total : null));
    summary.draw_ms = await page.evaluate(() => window.greentuneDrawMs ?? null);
    for (const id of o.charts) {
      const c = summary.charts[id];
      if (!c) errors.push(`chart "${id}" is missing`);
      else if (c.points === 0) errors.push(`chart "${id}" has no data points`);
    }
    if (o.texts.length) {
      const shown = await page.evaluate(() => document.body.innerText);
      for (const t of o.texts) if (!shown.includes(t)) errors.push(`text not shown on the page: ${JSON.stringify(t)}`);
    }
    await screenshots(page, o, summary);
    if (o.xss) {
      // Every chart's first tooltip: formatters return HTML, so their escaping counts.
      // (Cartesian charts only: ECharts cannot place a tooltip by data index on parallel
      // coordinates.)
      await page.evaluate(async () => {
        for (const chart of Object.values(window.greentuneCharts || {})) {
          if (!(chart.getOption().xAxis || []).length) continue;
          chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 0 });
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      for (const f of await page.evaluate(injected)) errors.push(`user text ran as markup: ${f}`);
    }
  } catch (e) {
    errors.push(`${e.name}: ${e.message}`);
    if (page && !shot) await screenshots(page, o, summary);
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  summary.ok = errors.length === 0;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  for (const e of errors) process.stderr.write(`page_check: ${e}\n`);
  process.exit(summary.ok ? 0 : 1);
}

main();

// greentune.js: draws a study's view (src/report/study_views.hpp) with Apache ECharts.
// Plain modern JavaScript, no bundler: the HTML report inlines it after echarts.min.js,
// the dashboard serves it at /assets/greentune.js.  It reads window.GREENTUNE:
//
//   {mode: "report", view: VIEW}                         draw VIEW once (the HTML report)
//   {mode: "live", api: "/api/studies/NAME", token}      GET api + "/view", draw it, and
//                                                        again whenever GET /api/version
//                                                        answers another {"version": N}
//                                                        (polled every 2 s; charts are
//                                                        updated in place, no reload)
//   {mode: "index", api: "/api/studies", token}          the list of studies, links to
//                                                        /studies/NAME (?token= kept)
//
// token: null, or a string sent as "Authorization: Bearer TOKEN" on every request.
// window.greentuneCharts maps each drawn chart's id to its ECharts instance,
// window.greentuneView is the view last drawn and window.greentuneDrawMs how long drawing
// it took (for the page tests and benchmarks, web/test/page_check.mjs).
//
// A chart is drawn once it comes near the screen (IntersectionObserver): the charts on the
// first screen are drawn at once and the others as the page scrolls to them, each with
// the latest view, so a page is usable as soon as what is on screen is drawn (ECharts'
// setup costs about a tenth of a second per chart on a small machine, whatever the data).
//
// Security contract: every piece of user text (study, parameter and metric names,
// categorical values, stop reasons, rule messages) reaches the page only as text: DOM
// nodes get it through textContent, and tooltip formatters (which return HTML) pass it
// through esc() = echarts.format.encodeHTML.  Nothing here assigns innerHTML.
(() => {
  'use strict';
  const cfg = window.GREENTUNE || {};
  const charts = {};
  window.greentuneCharts = charts;
  const pending = {};       // chart id -> {box, option}: not near the screen yet
  const onScreen = new Set();  // chart ids that have come near the screen once
  const setChart = (id, box, option) => {
    if (!charts[id]) { box.replaceChildren(); box.classList.remove('nodata'); charts[id] = echarts.init(box); }
    charts[id].setOption(option, { replaceMerge: ['series'] });
  };
  const observer = typeof IntersectionObserver === 'function' ? new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const id = e.target.dataset.chart;
      onScreen.add(id);
      observer.unobserve(e.target);
      const p = pending[id];
      if (p) { delete pending[id]; setChart(id, p.box, p.option); }
    }
  }, { rootMargin: '200px' }) : null;
  const esc = (s) => echarts.format.encodeHTML(String(s));
  const POLL_MS = 2000;
  const PAGE = 50;
  const COLORS = { complete: '#2e7d4f', pruned: '#b7791f', failed: '#b3412e', best: '#1d4ed8',
                   target: '#b3412e', front: '#b3412e' };

  // ---- DOM, text only
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }
  const fmt = (v, digits = 4) => {
    if (v === null || v === undefined || Number.isNaN(v)) return '–';
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(digits - 1)
                                             : String(Number(v.toPrecision(digits)));
  };
  const bytes = (b) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = b || 0;
    let u = 0;
    while (v >= 1024 && u + 1 < units.length) { v /= 1024; u += 1; }
    return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
  };
  const kwh = (k) => `${fmt(k, 3)} kWh`;

  // ---- the trials of the view (columns) and their tooltips
  function trialRows(view) {
    const c = view.trials.columns;
    const index = new Map(c.number.map((n, k) => [n, k]));
    return { c, index, names: Object.keys(c.params), count: c.number.length };
  }
  function trialTip(rows, view, k) {
    const c = rows.c;
    const lines = [`<b>trial ${esc(c.number[k])}</b> · ${esc(c.state[k])}`];
    if (c.value[k] !== null) lines.push(`${esc(view.study.metric)} = ${esc(fmt(c.value[k], 6))}`);
    for (const name of rows.names) lines.push(`${esc(name)} = ${esc(fmt(c.params[name][k], 5))}`);
    const parts = Object.entries(view.energy.series).filter(([, v]) => v[k] > 0)
      .map(([s, v]) => `${esc(s)} ${esc(fmt(v[k], 3))} J`);
    lines.push(`energy ${esc(fmt(c.joules[k], 3))} J${parts.length ? ` (${parts.join(', ')})` : ''}`);
    if (c.co2e_g[k] !== null) lines.push(`CO2e ${esc(fmt(c.co2e_g[k], 3))} g`);
    if (c.duration_s[k] !== null) lines.push(`time ${esc(fmt(c.duration_s[k], 3))} s`);
    if (c.stop_reason[k]) lines.push(`<i>stopped: ${esc(c.stop_reason[k])}</i>`);
    return `<div class="tip">${lines.join('<br>')}</div>`;
  }
  const zoom = (xAxisIndex = 0) => [{ type: 'inside', xAxisIndex }, { type: 'slider', xAxisIndex, height: 18, bottom: 6 }];
  const grid = { left: 64, right: 24, top: 34, bottom: 62, containLabel: false };
  const valueAxis = (name, extra) => ({ type: 'value', name, nameLocation: 'middle', nameGap: 28, scale: true, ...extra });

  // Above FEW points a line shows no symbols and charts do not animate; above MANY points
  // a scatter draws in ECharts' large mode: a 100,000-trial view draws in about a second.
  const FEW = 300;
  const MANY = 1000;
  const NO_ENERGY = 'No energy measured: trials run by an outside loop (greentune ask / tell) are not metered.';

  // ---- the charts: each returns an ECharts option, or null when there is nothing to draw
  // (then `empty` says why)
  const CHARTS = [
    { id: 'history', title: 'Optimisation history', note: (v) => `${v.study.metric} of each complete trial, the best so far${v.history.target !== null ? ' and the target' : ''}`, option: historyOption, empty: () => 'No complete trial yet.' },
    { id: 'intermediate', title: 'Intermediate values', note: (v) => `${v.curves.metric} per step of ${v.curves.curves.length} of ${v.curves.trials_with_values} trials; ▲ stopped early (hover: why)`, option: curvesOption, empty: (v) => `No trial reported intermediate values of ${v.curves.metric} yet.` },
    { id: 'energy', title: 'Energy per trial', note: () => 'joules by component and the source that measured them (rapl, nvml or model)', option: energyOption, empty: () => NO_ENERGY },
    { id: 'carbon', title: 'Cumulative CO2e against the best value', note: (v) => `best ${v.study.metric} so far against what the study had emitted (${v.carbon_vs_best.unit})`, option: carbonOption, empty: (v) => (v.summary.energy.kwh > 0 ? 'No complete trial yet.' : NO_ENERGY) },
    { id: 'pareto', title: 'Quality against energy', note: () => 'each complete trial; the line is the Pareto front (no trial is better for less energy)', option: paretoOption, empty: (v) => (v.summary.energy.kwh > 0 ? 'No complete trial yet.' : NO_ENERGY) },
    { id: 'importance', title: 'Parameter importance', note: (v) => `${v.importance.method}${v.importance.top_trials ? ` (the top ${v.importance.top_trials} of ${v.importance.trials} complete trials)` : ''}`, option: importanceOption, empty: (v) => v.importance.note && `Not computed: ${v.importance.note} (${v.importance.trials} so far).` },
    { id: 'parallel', title: 'Parallel coordinates', note: (v) => `${v.parallel.rows.length} complete trials, coloured by ${v.study.metric}`, option: parallelOption, empty: () => 'No complete trial yet.' },
  ];

  function historyOption(view, rows) {
    const c = rows.c;
    const pts = [];
    for (let k = 0; k < rows.count; k += 1) {
      if (c.value[k] !== null && c.state[k] === 'complete') pts.push([c.number[k], c.value[k], k]);
    }
    if (!pts.length) return null;
    const target = view.history.target;
    const series = [
      { name: 'trial', type: 'scatter', symbolSize: 6, large: pts.length > MANY, data: pts, itemStyle: { color: COLORS.complete, opacity: 0.75 } },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, data: view.history.best,
        lineStyle: { color: COLORS.best, width: 2 }, itemStyle: { color: COLORS.best },
        markLine: target === null ? undefined : { symbol: 'none', silent: true, label: { position: 'insideEndTop', formatter: `target ${fmt(target)}` },
                                                  lineStyle: { color: COLORS.target, type: 'dashed' }, data: [{ yAxis: target }] } },
    ];
    return {
      legend: { top: 0, data: ['trial', 'best so far'] },
      grid,
      tooltip: { trigger: 'item', formatter: (p) => (p.seriesIndex === 0 ? trialTip(rows, view, p.data[2]) : `best so far ${esc(fmt(p.data[1], 6))} (trial ${esc(p.data[0])})`) },
      xAxis: valueAxis('trial'), yAxis: valueAxis(view.study.metric, { nameGap: 46 }),
      dataZoom: zoom(), series,
    };
  }

  function curvesOption(view) {
    const curves = view.curves.curves;
    if (!curves.length) return null;
    const series = curves.map((cv) => {
      const pruned = cv.state !== 'complete';
      const last = cv.points.length - 1;
      return {
        name: `trial ${cv.number}`, type: 'line', symbol: 'none', triggerLineEvent: true,
        emphasis: { focus: 'series' }, lineStyle: { width: 1.2, color: pruned ? COLORS.pruned : COLORS.complete, opacity: pruned ? 0.6 : 0.85 },
        itemStyle: { color: pruned ? COLORS.pruned : COLORS.complete },
        data: cv.points.map((p, i) => (pruned && i === last ? { value: p, symbol: 'triangle', symbolSize: 9 } : p)),
      };
    });
    return {
      grid,
      tooltip: { trigger: 'item', formatter: (p) => {
        const cv = curves[p.seriesIndex];
        // (Hovering a line rather than a point gives no value: then the last one.)
        const v = Array.isArray(p.value) ? p.value : (p.data && p.data.value) || cv.points[cv.points.length - 1];
        let s = `<b>trial ${esc(cv.number)}</b> · ${esc(cv.state)}<br>step ${esc(v[0])}: ${esc(view.curves.metric)} = ${esc(fmt(v[1], 6))}`;
        if (cv.stop_reason) s += `<br><i>stopped: ${esc(cv.stop_reason)}</i>`;
        return `<div class="tip">${s}</div>`;
      } },
      xAxis: valueAxis('step'), yAxis: valueAxis(view.curves.metric, { nameGap: 46 }), dataZoom: zoom(), series,
    };
  }

  function energyOption(view, rows) {
    const names = Object.keys(view.energy.series);
    if (!rows.count || !names.length) return null;
    return {
      legend: { top: 0, type: 'scroll' }, grid,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => trialTip(rows, view, ps[0].dataIndex) },
      xAxis: { type: 'category', name: 'trial', nameLocation: 'middle', nameGap: 28, data: rows.c.number.map(String) },
      yAxis: valueAxis('J', { scale: false, nameGap: 46 }), dataZoom: zoom(),
      series: names.map((name) => ({ name, type: 'bar', stack: 'energy', large: true, data: view.energy.series[name] })),
    };
  }

  function carbonOption(view, rows) {
    const pts = view.carbon_vs_best.points.filter((p) => p[1] !== null);
    if (!pts.length || !(view.summary.energy.kwh > 0)) return null;
    return {
      grid,
      tooltip: { trigger: 'axis', formatter: (ps) => {
        const p = ps[0];
        const k = rows.index.get(p.data[2]);
        const head = `${esc(fmt(p.data[0], 4))} ${esc(view.carbon_vs_best.unit)} emitted by trial ${esc(p.data[2])}, best ${esc(fmt(p.data[1], 6))}`;
        return k === undefined ? head : `${head}<hr>${trialTip(rows, view, k)}`;
      } },
      xAxis: valueAxis(`cumulative ${view.carbon_vs_best.unit}`, { scale: false }), yAxis: valueAxis(`best ${view.study.metric}`, { nameGap: 46 }),
      dataZoom: zoom(),
      series: [{ name: 'best so far', type: 'line', step: 'end', showSymbol: pts.length <= FEW, symbolSize: 4, data: pts, lineStyle: { color: COLORS.best }, itemStyle: { color: COLORS.best } }],
    };
  }

  function paretoOption(view, rows) {
    const c = rows.c;
    const pts = [];
    for (let k = 0; k < rows.count; k += 1) {
      if (c.value[k] !== null && c.state[k] === 'complete' && c.joules[k] > 0) pts.push([c.joules[k] / 3.6e6, c.value[k], k]);
    }
    if (!pts.length) return null;
    const front = view.pareto.front.map((f) => [f[0], f[1], rows.index.get(f[2])]);
    return {
      legend: { top: 0, data: ['trial', 'Pareto front'] }, grid,
      tooltip: { trigger: 'item', formatter: (p) => (p.data[2] === undefined ? '' : trialTip(rows, view, p.data[2])) },
      xAxis: valueAxis('kWh', { axisLabel: { formatter: (v) => fmt(v, 2) } }), yAxis: valueAxis(view.study.metric, { nameGap: 46 }),
      dataZoom: zoom(),
      series: [
        { name: 'trial', type: 'scatter', symbolSize: 6, large: pts.length > MANY, data: pts, itemStyle: { color: COLORS.complete, opacity: 0.6 } },
        { name: 'Pareto front', type: 'line', step: 'end', showSymbol: front.length <= FEW, symbolSize: 7, data: front,
          lineStyle: { color: COLORS.front }, itemStyle: { color: COLORS.front } },
      ],
    };
  }

  function importanceOption(view) {
    const ps = view.importance.params.slice().reverse();  // most important on top
    if (!ps.length) return null;
    return {
      grid: { ...grid, left: 12, right: 40, containLabel: true },
      tooltip: { trigger: 'item', formatter: (p) => `<b>${esc(ps[p.dataIndex].name)}</b><br>importance ${esc(fmt(ps[p.dataIndex].importance, 3))}<br>Pearson divergence ${esc(fmt(ps[p.dataIndex].divergence, 3))}` },
      xAxis: valueAxis('share of the total divergence', { scale: false, max: 1 }),
      yAxis: { type: 'category', data: ps.map((p) => p.name), axisLabel: { width: 160, overflow: 'truncate' } },
      series: [{ type: 'bar', data: ps.map((p) => p.importance), itemStyle: { color: COLORS.complete },
                 label: { show: true, position: 'right', formatter: (p) => fmt(p.value, 2) } }],
    };
  }

  function parallelOption(view, rows) {
    const ks = view.parallel.rows;
    if (!ks.length) return null;
    const c = rows.c;
    const axes = view.space.map((p, dim) => (p.type === 'categorical'
      ? { dim, name: p.name, type: 'category', data: p.choices.map(String) }
      : { dim, name: p.name, type: p.log ? 'log' : 'value', min: p.low, max: p.high }));
    axes.push({ dim: axes.length, name: view.study.metric, type: 'value', scale: true });
    const data = ks.map((k) => [...view.space.map((p) => {
      const v = c.params[p.name][k];
      return p.type === 'categorical' && v !== null ? String(v) : v;
    }), c.value[k], k]);
    const values = ks.map((k) => c.value[k]);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return {
      parallel: { left: 60, right: 150, top: 40, bottom: 30, parallelAxisDefault: { nameTextStyle: { fontSize: 11 }, nameTruncate: { maxWidth: 110 } } },
      parallelAxis: axes,
      // The better the value, the darker the line.
      visualMap: { type: 'continuous', min: lo, max: hi === lo ? lo + 1 : hi, dimension: axes.length - 1, right: 8, top: 'middle', itemHeight: 160,
                   calculable: true, formatter: (v) => fmt(v, 3),
                   inRange: { color: view.study.direction === 'minimize' ? ['#0b3d20', '#2e7d4f', '#c7e9c0'] : ['#c7e9c0', '#2e7d4f', '#0b3d20'] } },
      tooltip: { trigger: 'item', formatter: (p) => trialTip(rows, view, p.data[p.data.length - 1]) },
      series: [{ type: 'parallel', lineStyle: { width: 1.2, opacity: 0.5 }, emphasis: { lineStyle: { width: 3, opacity: 1 } }, data }],
    };
  }

  // ---- the page: header, cards, charts, tables; built once, refilled on each view
  function card(key, value, detail) {
    return el('div', { class: 'card' }, el('div', { class: 'k', text: key }), el('div', { class: 'v', text: value }),
      detail ? el('div', { class: 'd', text: detail }) : null);
  }
  function cards(view) {
    const s = view.summary;
    const st = s.states;
    const out = [card('trials', `${s.n_trials}`, `${st.complete} complete, ${st.pruned} pruned, ${st.failed} failed, ${st.running} running`)];
    if (s.best) {
      const params = Object.entries(s.best.params).map(([k, v]) => `${k}=${fmt(v, 4)}`).join(' ');
      out.push(card(`best ${view.study.metric}`, fmt(s.best.value, 6), `trial ${s.best.trial}: ${params}`));
    } else out.push(card(`best ${view.study.metric}`, '–', 'no complete trial yet'));
    const comps = Object.entries(s.energy.by_component).filter(([, j]) => j > 0)
      .map(([comp, j]) => `${comp} ${fmt(j, 3)} J (${(s.energy.sources[comp] || []).join('+')})`);
    out.push(card('energy', kwh(s.energy.kwh), comps.join(', ')));
    out.push(card('CO2e', s.co2e_g === null ? '–' : `${fmt(s.co2e_g, 3)} g`, s.carbon ? `${s.carbon.intensity}, PUE ${s.carbon.pue}` : 'no [carbon] section'));
    const saved = s.saved || {};
    out.push(card('saved by stopping early', kwh(saved.kwh || 0), `${saved.trials_stopped_early || 0} trials stopped early${saved.co2e_g ? `, ${fmt(saved.co2e_g, 3)} g CO2e` : ''}`));
    out.push(card('storage', bytes(s.storage ? s.storage.bytes : 0), s.storage ? `${s.storage.paths} files and directories` : ''));
    out.push(card('time', `${fmt(s.elapsed_s, 3)} s`, `${fmt(s.cpu_hours, 3)} CPU-hours${s.gpu_hours > 0 ? `, ${fmt(s.gpu_hours, 3)} GPU-hours` : ''}`));
    return out;
  }
  // A table of text cells; `numeric` columns are right-aligned, `prose` ones (messages)
  // get room to wrap.
  function table(head, rows, numeric = [], prose = []) {
    const cls = (i) => (numeric.includes(i) ? 'num' : prose.includes(i) ? 'prose' : '');
    return el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {}, head.map((h, i) => el('th', { class: cls(i), text: h })))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((v, i) => el('td', { class: cls(i), text: v === null || v === undefined ? '–' : String(v) })))))));
  }
  function rulesSection(view) {
    const r = view.rules;
    if (!r.fired.length) return [el('p', { class: 'empty', text: 'No rule or pruner fired.' })];
    return [table(['source', 'action', 'times', 'first trial', 'reason', 'example'],
      r.fired.map((f) => [f.source, f.action, f.count, f.first_trial >= 0 ? f.first_trial : null, f.reason, f.example]), [2, 3], [5]),
      el('p', { class: 'note', text: `${r.total} verdicts in all; the last ${r.recent.length}:` }),
      table(['trial', 'time', 'source', 'action', 'message'], r.recent.slice().reverse().slice(0, 20).map((e) => [e.trial, e.time, e.source, e.action, e.message]), [0], [4])];
  }
  function adviceSection(view) {
    const s = view.summary;
    const out = [];
    const saved = s.saved || {};
    if (saved.trials_stopped_early > 0) {
      const by = Object.entries(saved.by_source || {}).map(([src, e]) => `${src}: ${e.trials} trials, ${kwh(e.kwh)}`);
      out.push(el('h3', { text: 'Savings' }), el('p', { text: `Stopping ${saved.trials_stopped_early} trials early saved ${kwh(saved.kwh)}${saved.co2e_g ? ` (${fmt(saved.co2e_g, 3)} g CO2e)` : ''}.` }),
        el('ul', { class: 'plain' }, by.map((t) => el('li', { text: t }))), el('p', { class: 'note', text: `estimate: ${saved.method}` }));
    } else out.push(el('h3', { text: 'Savings' }), el('p', { class: 'empty', text: 'No trial was stopped early.' }));
    const rs = s.right_sizing;
    out.push(el('h3', { text: 'Right-sizing' }));
    if (rs && rs.recommendations && rs.recommendations.length) out.push(el('ul', { class: 'plain' }, rs.recommendations.map((t) => el('li', { text: t }))));
    else out.push(el('p', { class: 'empty', text: 'No utilisation samples.' }));
    if (s.greenest_region) out.push(el('p', { text: s.greenest_region.text }));
    out.push(el('h3', { text: 'Storage footprint' }));
    const kinds = Object.entries((s.storage && s.storage.by_kind) || {});
    if (kinds.length) out.push(table(['kind', 'bytes', 'size'], kinds.map(([k, b]) => [k, b, bytes(b)]), [1, 2]), el('p', { class: 'note', text: 'greentune gc --study NAME frees all but the best trials’ artifacts' }));
    else out.push(el('p', { class: 'empty', text: 'No artifacts on disk.' }));
    return out;
  }
  function trialsTable(view, rows, state) {
    const c = rows.c;
    const pages = Math.max(1, Math.ceil(rows.count / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const from = state.page * PAGE;
    const head = ['#', 'state', view.study.metric, ...rows.names, 'energy J', 'CO2e g', 'time s', 'stopped because'];
    const body = [];
    for (let k = from; k < Math.min(rows.count, from + PAGE); k += 1) {
      body.push([c.number[k], c.state[k], fmt(c.value[k], 6), ...rows.names.map((n) => fmt(c.params[n][k], 5)),
        fmt(c.joules[k], 3), fmt(c.co2e_g[k], 3), fmt(c.duration_s[k], 3), c.stop_reason[k]]);
    }
    const n = rows.names.length;
    const categorical = new Set(view.space.filter((p) => p.type === 'categorical').map((p) => p.name));
    const numericParams = rows.names.map((name, i) => (categorical.has(name) ? -1 : 3 + i));
    const t = table(head, body, [0, 2, ...numericParams, 3 + n, 4 + n, 5 + n], [6 + n]);
    body.forEach((r, i) => { t.querySelector('tbody').rows[i].cells[1].className = `state-${r[1]}`; });
    const prev = el('button', { type: 'button', text: '‹ previous' });
    const next = el('button', { type: 'button', text: 'next ›' });
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    prev.addEventListener('click', () => { state.page -= 1; state.redraw(); });
    next.addEventListener('click', () => { state.page += 1; state.redraw(); });
    const shown = view.trials.downsampled ? ` (${view.trials.shown} of ${view.trials.total} trials shown: every improvement, the Pareto front and evenly spaced others)` : '';
    return [el('div', { class: 'pager' }, prev, el('span', { text: `page ${state.page + 1} of ${pages}${shown}` }), next), t];
  }

  function skeleton(root) {
    const page = { header: el('header'), cards: el('div', { class: 'cards' }), charts: {}, notes: {}, extra: {} };
    const grid = el('div', { class: 'grid' });
    for (const ch of CHARTS) {
      page.notes[ch.id] = el('p', { class: 'note' });
      page.charts[ch.id] = el('div', { class: 'chart', id: `chart-${ch.id}` });
      page.charts[ch.id].dataset.chart = ch.id;
      if (observer) observer.observe(page.charts[ch.id]);
      grid.append(el('section', { id: `section-${ch.id}` }, el('h2', { text: ch.title }), page.notes[ch.id], page.charts[ch.id]));
    }
    for (const [id, title] of [['rules', 'Rules and pruners fired'], ['advice', 'Savings, right-sizing and storage'], ['trials', 'Trials']]) {
      page.extra[id] = el('div');
      grid.append(el('section', { id: `section-${id}`, class: id === 'advice' ? '' : 'wide' }, el('h2', { text: title }), page.extra[id]));
    }
    root.replaceChildren(page.header, el('main', {}, page.cards, grid));
    window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
    return page;
  }

  function draw(page, view, status) {
    const t0 = performance.now();
    window.greentuneView = view;
    const rows = trialRows(view);
    const st = view.study;
    document.title = `${st.name} · greentune`;
    const sampler = st.sampler && typeof st.sampler === 'object' ? st.sampler.name : st.sampler;
    const sub = `${st.direction} ${st.metric} · sampler ${sampler || '–'} · ${st.stopped_because ? `stopped: ${st.stopped_because}` : 'not finished'} · view of ${view.generated}`;
    page.header.replaceChildren(el('h1', { text: st.name }), el('div', { class: 'sub' }, status || null, sub));
    page.cards.replaceChildren(...cards(view));
    for (const ch of CHARTS) {
      page.notes[ch.id].textContent = ch.note(view);
      const option = ch.option(view, rows);
      const box = page.charts[ch.id];
      if (!option) {
        delete pending[ch.id];
        if (charts[ch.id]) { charts[ch.id].dispose(); delete charts[ch.id]; }
        box.replaceChildren(el('p', { class: 'empty', text: (ch.empty && ch.empty(view)) || 'Nothing to draw yet.' }));
        box.classList.add('nodata');
        continue;
      }
      option.animation = rows.count <= FEW;
      if (observer && !onScreen.has(ch.id)) pending[ch.id] = { box, option };
      else setChart(ch.id, box, option);
    }
    page.extra.rules.replaceChildren(...rulesSection(view));
    page.extra.advice.replaceChildren(...adviceSection(view));
    page.trialState = page.trialState || { page: 0 };
    page.trialState.redraw = () => page.extra.trials.replaceChildren(...trialsTable(view, rows, page.trialState));
    page.trialState.redraw();
    window.greentuneDrawMs = performance.now() - t0;
  }

  // ---- fetching (live and index modes)
  async function getJson(url) {
    const headers = cfg.token ? { Authorization: `Bearer ${cfg.token}` } : {};
    const res = await fetch(url, { headers, cache: 'no-store' });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.json();
  }
  function poll(refresh) {
    let drawn = false;
    let version = null;
    const tick = async () => {
      try {
        // A null version (a storage that keeps no change counter) redraws on every poll.
        const v = (await getJson(cfg.versionApi || '/api/version')).version;
        if (!drawn || v === null || v !== version) { await refresh(); drawn = true; version = v; }
      } catch (e) {
        console.warn('greentune: poll failed:', e.message);
      }
      setTimeout(tick, POLL_MS);
    };
    tick();
  }
  function statusDot() {
    return el('span', { class: 'live', title: 'live: new trials appear as they finish' });
  }

  function live(root) {
    const page = skeleton(root);
    poll(async () => draw(page, await getJson(`${cfg.api}/view`), statusDot()));
  }

  function index(root) {
    const list = el('div');
    const tokenQuery = new URLSearchParams(window.location.search).get('token');
    root.replaceChildren(el('header', {}, el('h1', { text: 'greentune studies' })), el('main', {}, el('section', {}, list)));
    poll(async () => {
      const got = await getJson(cfg.api);
      const studies = Array.isArray(got) ? got : got.studies || [];
      if (!studies.length) { list.replaceChildren(el('p', { class: 'empty', text: 'No studies in this storage yet.' })); return; }
      const t = table(['study', 'direction', 'metric', 'trials', 'best', 'kWh', 'CO2e g', 'stopped because'], studies.map((s) => [
        s.name ?? s.study, s.direction, s.metric, s.n_trials, s.best && typeof s.best === 'object' ? fmt(s.best.value, 6) : fmt(s.best, 6),
        fmt(s.kwh, 3), fmt(s.co2e_g, 3), s.stopped_because]), [3, 4, 5, 6]);
      studies.forEach((s, i) => {
        const name = String(s.name ?? s.study);
        const href = `/studies/${encodeURIComponent(name)}${tokenQuery ? `?token=${encodeURIComponent(tokenQuery)}` : ''}`;
        const cell = t.querySelector('tbody').rows[i].cells[0];
        cell.replaceChildren(el('a', { href, text: name }));
      });
      list.replaceChildren(t);
    });
  }

  function start() {
    let root = document.getElementById('greentune');
    if (!root) { root = el('div', { id: 'greentune' }); document.body.append(root); }
    if (cfg.mode === 'live') live(root);
    else if (cfg.mode === 'index') index(root);
    else draw(skeleton(root), cfg.view);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

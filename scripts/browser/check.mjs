// Open a shiftcast report.html in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) at desktop and phone width, and check what a reader sees:
//
// - the page is no wider than the window (document width <= viewport width), and no element
//   sticks out of it unless it sits inside a box that scrolls or clips;
// - every chart (<svg class="chart">) is drawn, has data marks (class="mark") and hover targets;
// - hovering each chart shows a tooltip with a number in it;
// - a time chart zooms to one day and back;
// - the page logs no console errors, throws nothing, and requests nothing from a network;
// - a full-page screenshot (the whole document, not a fixed window) is saved per width.
//
//   node scripts/browser/check.mjs REPORT.html OUT_DIR [WIDTH ...]      (default 1400 400)
//
// Exit 0 when every check passes, 1 when one fails, 2 on a usage error.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, outDir, ...rest] = process.argv.slice(2);
if (!report || !outDir) {
  console.error('usage: node check.mjs REPORT.html OUT_DIR [WIDTH ...]');
  process.exit(2);
}
if (!existsSync(report)) {
  console.error(`${report}: no such file`);
  process.exit(1);
}
const widths = rest.length ? rest.map(Number) : [1400, 400];
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(outDir, { recursive: true });
const url = pathToFileURL(resolve(report)).href;

const failures = [];
const fail = (width, message) => failures.push(`[${width} px] ${message}`);

// Flags for a closed network and a root user (see .library/env/machines/rust.md).
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

/** Layout checks run inside the page. */
function layout() {
  const vw = window.innerWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.right > vw + 0.5 || r.left < -0.5) && !clipped(el)) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\s+/g, '.') : ''} spans ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const r = svg.getBoundingClientRect();
    return {
      id: svg.id,
      marks: svg.querySelectorAll('.mark').length,
      tips: svg.querySelectorAll('[data-tip]').length,
      width: r.width,
      height: r.height,
      viewport: svg.closest('.scroll') ? 'scroll' : 'page',
    };
  });
  return {
    viewport: vw,
    documentWidth: document.documentElement.scrollWidth,
    documentHeight: document.documentElement.scrollHeight,
    overflowing: out.slice(0, 8),
    overflowingCount: out.length,
    charts,
  };
}

/** Hover the middle hover target of each chart; return the tooltip text per chart. */
async function hoverEach(page, ids) {
  const seen = {};
  for (const id of ids) {
    const target = await page.evaluateHandle((id) => {
      const t = [...document.getElementById(id).querySelectorAll('[data-tip]')];
      return t[Math.floor(t.length / 2)] || null;
    }, id);
    const el = target.asElement();
    if (!el) {
      seen[id] = null;
      continue;
    }
    await el.evaluate((e) => e.scrollIntoView({ block: 'center', inline: 'center' }));
    // Let the scroll event pass first: the page hides its tooltip on scroll.
    await page.waitForTimeout(60);
    const box = await el.boundingBox();
    if (!box) {
      seen[id] = null;
      continue;
    }
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    seen[id] = await page.evaluate(() => {
      const tip = document.getElementById('tip');
      return tip && !tip.hidden ? tip.textContent : null;
    });
  }
  return seen;
}

/** Pick the second option of the first time chart's day picker; check the plot narrows. */
async function zoomFirst(page) {
  return page.evaluate(() => {
    const f = document.querySelector('figure.tc');
    const sel = f && f.querySelector('select');
    if (!sel) return 'no day picker on a time chart';
    const svg = f.querySelector('svg.chart');
    const before = svg.getAttribute('viewBox');
    sel.value = '1';
    sel.dispatchEvent(new Event('change'));
    const zoomed = svg.getAttribute('viewBox');
    const hours = f.querySelectorAll('.hours .xl').length;
    sel.value = '';
    sel.dispatchEvent(new Event('change'));
    if (zoomed === before) return 'the viewBox did not change';
    if (hours < 2) return 'no hour labels when zoomed';
    if (svg.getAttribute('viewBox') !== before) return 'zooming back did not restore the viewBox';
    return null;
  });
}

const started = Date.now();
for (const width of widths) {
  const phone = width < 700;
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    deviceScaleFactor: 1,
    isMobile: phone,
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') fail(width, `console error: ${m.text()}`); });
  page.on('pageerror', (e) => fail(width, `page error: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) fail(width, `network request: ${r.url()}`); });
  await page.goto(url, { waitUntil: 'load' });

  const l = await page.evaluate(layout);
  if (l.viewport !== width) fail(width, `the page is laid out ${l.viewport} px wide (viewport meta missing?)`);
  if (l.documentWidth > l.viewport) fail(width, `horizontal scroll: the document is ${l.documentWidth} px wide in a ${l.viewport} px window`);
  for (const o of l.overflowing) fail(width, `sticks out of the page: ${o}`);
  if (l.overflowingCount > l.overflowing.length) fail(width, `... and ${l.overflowingCount - l.overflowing.length} more elements stick out`);
  if (l.charts.length === 0) fail(width, 'no <svg class="chart"> in the page');
  for (const c of l.charts) {
    if (c.marks === 0) fail(width, `${c.id}: no data marks`);
    if (c.tips === 0) fail(width, `${c.id}: nothing to hover`);
    if (c.width < 50 || c.height < 20) fail(width, `${c.id}: drawn ${Math.round(c.width)}×${Math.round(c.height)} px`);
  }

  const tips = await hoverEach(page, l.charts.map((c) => c.id));
  let shown = 0;
  for (const [id, text] of Object.entries(tips)) {
    if (text && /\d/.test(text)) shown += 1;
    else fail(width, `${id}: hovering shows no value (${JSON.stringify(text)})`);
  }
  const zoom = await zoomFirst(page);
  if (zoom) fail(width, `zoom: ${zoom}`);

  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  const shot = join(outDir, `report-${width}.png`);
  const png = await page.screenshot({ path: shot, fullPage: true });
  // PNG IHDR: width and height are the big-endian words at bytes 16 and 20.
  const [shotW, shotH] = [png.readUInt32BE(16), png.readUInt32BE(20)];
  if (shotH < l.documentHeight - 1) fail(width, `screenshot is ${shotH} px tall, the page ${l.documentHeight} px`);
  if (shotW > width) fail(width, `screenshot is ${shotW} px wide`);
  console.log(`${width} px: document ${l.documentWidth}×${l.documentHeight}, ${l.charts.length} charts, ` +
    `${l.charts.reduce((n, c) => n + c.marks, 0)} marks, hover values on ${shown} of ${l.charts.length}; ` +
    `example: ${JSON.stringify(Object.values(tips).find(Boolean))}; screenshot ${shot} (${shotW}×${shotH})`);
  await context.close();
}
await browser.close();

const seconds = ((Date.now() - started) / 1000).toFixed(1);
writeFileSync(join(outDir, 'browser-check.txt'), failures.length ? failures.join('\n') + '\n' : 'ok\n');
if (failures.length) {
  for (const f of failures.slice(0, 60)) console.error(`FAIL ${f}`);
  if (failures.length > 60) console.error(`... ${failures.length - 60} more`);
  console.error(`browser check failed: ${failures.length} problem(s) in ${seconds} s`);
  process.exit(1);
}
console.log(`browser check passed at ${widths.join(' and ')} px in ${seconds} s`);

/**
 * The status page in a real headless Chromium: with the hand-made history of fixture.ts and
 * an incident fed through StatusSources, and with demo-like traffic on the shipped Klarna
 * config (whose screenshot is docs/status-page.png). Checks what a person sees (state,
 * bars, tooltips, budgets), that nothing is fetched outside the admin origin, that the CSP
 * lets the page's own script and style run (a violation is a console error), and the
 * accessibility basics: `lang`, headings, a text alternative for every chart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { request } from 'undici';
import { type Browser, launchChromium, watchedPage } from '../helpers/browser.js';
import { configDir, repoRoot } from '../helpers/paths.js';
import {
  ACTIVE_INCIDENT,
  demoMethodTraffic,
  demoTraffic,
  RESOLVED_INCIDENT,
  type Running,
  SMALL_CONFIG,
  smallTraffic,
  startWithHistory,
} from './fixture.js';

let browser: Browser | undefined;
let launched = false;
after(async () => {
  await browser?.close();
});

async function chromium(t: Parameters<typeof launchChromium>[0]): Promise<Browser | undefined> {
  if (!launched) {
    launched = true;
    browser = await launchChromium(t);
  }
  return browser;
}

async function checkBasics(w: Awaited<ReturnType<typeof watchedPage>>, origin: string): Promise<void> {
  const { page } = w;
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.locator('h1').count(), 1);
  assert.ok((await page.locator('h2').count()) >= 4);
  // Every chart is an image with a title and a description.
  const charts = page.locator('svg');
  const n = await charts.count();
  assert.ok(n > 0);
  for (let i = 0; i < n; i++) {
    const svg = charts.nth(i);
    assert.equal(await svg.getAttribute('role'), 'img');
    const ids = (await svg.getAttribute('aria-labelledby'))?.split(' ') ?? [];
    assert.equal(ids.length, 2);
    const title = await page.locator(`[id="${ids[0]}"]`).textContent();
    assert.ok(title && title.length > 10, `chart ${i} has a title`);
  }
  assert.deepEqual(w.errors, []);
  const outside = w.requests.filter((u) => !u.startsWith(`${origin}/`));
  assert.deepEqual(outside, []);
}

test('the page with an incident: states, bars as the SLA counts them, tooltips, budget, no outside request', async (t) => {
  const b = await chromium(t);
  if (!b) return;
  const run: Running = await startWithHistory(SMALL_CONFIG, smallTraffic, [
    ACTIVE_INCIDENT,
    RESOLVED_INCIDENT,
  ]);
  t.after(() => run.close());
  const res = await request(`${run.url}/status`);
  const csp = String(res.headers['content-security-policy']);
  await res.body.dump();
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);

  const w = await watchedPage(b);
  await w.page.goto(`${run.url}/`);
  await checkBasics(w, run.url);

  // Rule: a started high-severity downtime on a category is a major outage; the page
  // indicator is then critical ("Major System Outage", Statuspage's words).
  assert.equal(await w.page.locator('.banner').textContent(), 'Major System Outage');
  const pr = w.page.locator('[data-category="payment-request"]');
  assert.equal(await pr.getAttribute('data-status'), 'major_outage');
  assert.match((await pr.locator('.state').textContent()) ?? '', /Major outage/);
  assert.equal(
    await w.page.locator('[data-category="settlements"]').getAttribute('data-status'),
    'operational',
  );
  assert.match(
    (await w.page.locator('[data-category="disputes"]').textContent()) ?? '',
    /No routes in this category/,
  );

  // 90 bars, oldest first: index 0 is 2026-09-02, so 2026-11-10 is index 69 (28 days of
  // September after the 1st, 31 of October, then 10: 28 + 31 + 10 = 69).
  const bars = pr.locator('rect.bar');
  assert.equal(await bars.count(), 90);
  const tip = async (i: number) => (await bars.nth(i).locator('title').textContent()) ?? '';
  const cls = async (i: number) => (await bars.nth(i).getAttribute('class')) ?? '';
  // 11-10: 20 of 1,000 bad = 98%, below 99% but above 1 - 5 x 1% = 95%: "minor".
  assert.equal(await tip(69), '2026-11-10: 98% (980 of 1,000 requests good)');
  assert.equal(await cls(69), 'bar minor');
  // 11-12: 100 bad = 90%, below 95%: "major".
  assert.match(await tip(71), /^2026-11-12: 90% \(900 of 1,000/);
  assert.equal(await cls(71), 'bar major');
  // 11-14: no request at all: no data, never 100%.
  assert.equal(await tip(73), '2026-11-14: no data (no requests)');
  assert.equal(await cls(73), 'bar nodata');
  // 11-16: 5 bad = 99.5% >= 99%.
  assert.equal(await cls(75), 'bar ok');
  // 11-27: the resolved downtime is in that day's tooltip.
  assert.match(await tip(86), /^2026-11-27: 100% .*downtime down_resolved1 \(medium\)/);

  // The script's tooltip shows the same text on hover.
  await bars.nth(69).hover();
  assert.equal(await w.page.locator('#tip').textContent(), '2026-11-10: 98% (980 of 1,000 requests good)');
  assert.equal(await w.page.locator('#tip').isVisible(), true);

  // Settlements: 11-20 maintenance met the policy (the failing minute is excluded: 100 of
  // 100 counted requests good, 100 excluded); 11-25 broke it (announced 1 day ahead, the
  // policy asks 7): its 50 failures count, 150 of 200 = 75%.
  const st = w.page.locator('[data-category="settlements"]');
  const sbars = st.locator('rect.bar');
  assert.equal(
    await sbars.nth(79).locator('title').textContent(),
    '2026-11-20: 100% (100 of 100 requests good); 100 excluded; maintenance db-upgrade (met policy)',
  );
  assert.match(
    (await sbars.nth(84).locator('title').textContent()) ?? '',
    /^2026-11-25: 75% \(150 of 200 requests good\); maintenance rushed-fix \(broke policy\)$/,
  );
  assert.equal(await st.locator('rect.maint.met').count(), 1);
  assert.equal(await st.locator('rect.maint.broke').count(), 1);

  // Budget of payment-request-availability over the rolling 30 days (2026-10-31 12:01 to
  // 11-30 12:00): the days 11-01..11-30 but 11-14 carry 1,000 requests each = 29,000; bad
  // 20 + 100 + 5 = 125; remaining = 1 - (125 / 29,000) / 1% = 1 - 0.43103 = 56.9%.
  const row = w.page.locator('tr', { hasText: 'payment-request-availability' });
  assert.match((await row.textContent()) ?? '', /56\.9%/);
  // Latency, last 24 hours (2026-11-29 13:00 to 11-30 12:00): create-payment had traffic
  // only at 10:00 on the 30th (the 29th's 10:00 is 26 hours back), all in the first bucket.
  assert.match(
    (await w.page.locator('section[aria-labelledby="h-latency"]').textContent()) ?? '',
    /against the 500 ms objective: 0 of 1 hours above it/,
  );
  // Upcoming maintenance with its verdict, and the incident with its updates.
  assert.match(
    (await w.page.locator('[data-downtime="next-month"]').textContent()) ?? '',
    /Meets the maintenance policy/,
  );
  assert.match(
    (await w.page.locator('[data-downtime="down_active1"]').textContent()) ?? '',
    /Upstream issuer acknowledged\./,
  );
  // Light and dark follow the system setting.
  const background = () => w.page.evaluate('getComputedStyle(document.body).backgroundColor');
  await w.page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await background(), 'rgb(255, 255, 255)');
  await w.page.emulateMedia({ colorScheme: 'dark' });
  assert.equal(await background(), 'rgb(15, 18, 22)');
  await w.page.setViewportSize({ width: 390, height: 844 });
  const wide = Number(await w.page.evaluate('document.documentElement.scrollWidth'));
  assert.ok(wide <= 390, `fits a phone (scrollWidth ${wide})`);
  await w.page.close();
});

test('the page with demo-like traffic on the Klarna config, then a screenshot', async (t) => {
  const b = await chromium(t);
  if (!b) return;
  const yaml = readFileSync(join(configDir, 'klarna.yaml'), 'utf8');
  const run = await startWithHistory(
    yaml,
    (c) => demoTraffic(c, 'hpp-create-session'),
    [],
    (c) => demoMethodTraffic(c, 'method:pay_later'),
  );
  t.after(() => run.close());
  const w = await watchedPage(b);
  await w.page.setViewportSize({ width: 1100, height: 900 });
  await w.page.goto(`${run.url}/status`);
  await checkBasics(w, run.url);
  const cards = w.page.locator('[data-category]');
  assert.equal(await cards.count(), run.config.categories.size);
  // config/klarna.yaml reads card, pay_later, pay_now, direct_debit per request, and `other`.
  const methods = w.page.locator('[data-method]');
  assert.equal(await methods.count(), 5);
  assert.equal(await methods.locator('svg[role="img"]').count(), 5);
  // pay_later failed 12 of 40 in each of the last 121 minutes: today is red.
  const today = w.page.locator('[data-method="method:pay_later"] rect.bar').last();
  assert.equal(await today.getAttribute('class'), 'bar major');
  const file = process.env.SLOPROBE_SCREENSHOT ?? join(tmpdir(), 'sloprobe-status-page.png');
  // From the top to the end of the per-method bars: state, categories and methods in one picture.
  const end = await w.page.locator('section[aria-labelledby="h-methods"]').boundingBox();
  assert.ok(end);
  await w.page.screenshot({
    path: file,
    fullPage: true,
    clip: { x: 0, y: 0, width: 1100, height: Math.ceil(end.y + end.height + 16) },
  });
  process.stderr.write(`status page screenshot: ${file} (repo: ${repoRoot})\n`);
  await w.page.close();
});

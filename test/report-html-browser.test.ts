/**
 * report.html in a real browser (Debian's chromium, headless, installed by test/setup/ensure-chromium.ts):
 * no console errors (so the CSP lets the page's own style and script run), no requests beyond the file
 * itself, the queue rendered in order, filters working, per-file reasons and flags shown, related-bundle
 * links navigating within the page, hostile text shown as text, readable without JS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScanOutputs } from '../src/pipeline/outputs/index.js';
import { CHROMIUM_PATH } from './setup/ensure-chromium.js';
import { HOSTILE_NOTE, HOSTILE_PATH, sampleScanData } from './support/sample-scan-data.js';

const dir = mkdtempSync(join(tmpdir(), 'ht-html-'));
const data = sampleScanData();
writeScanOutputs(join(dir, 'out'), data, { now: () => new Date('2025-03-10T03:05:00Z') });
const reportUrl = pathToFileURL(join(dir, 'out', 'report.html')).href;
const queueIds = readFileSync(join(dir, 'out', 'bundles.ndjson'), 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as { id: string; tier: string; status: string });

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium package (apt-get install chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  consoleErrors: string[];
  requests: string[];
  dialogs: string[];
}

async function open(javaScriptEnabled = true): Promise<Opened> {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const out: Opened = { page, consoleErrors: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') out.consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => out.consoleErrors.push(String(err)));
  page.on('request', (r) => out.requests.push(r.url()));
  page.on('dialog', (d) => {
    out.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(reportUrl, { waitUntil: 'load' });
  return out;
}

const visibleIds = (page: Page) =>
  page.$$eval('#queue tbody tr[data-i]', (rows) => rows.filter((r) => (r as unknown as { offsetParent: unknown }).offsetParent !== null).map((r) => r.getAttribute('data-id')!));

describe('report.html in headless Chromium', () => {
  it('loads without console errors, requests nothing but itself, and runs no injected script', async () => {
    const { page, consoleErrors, requests, dialogs } = await open();
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([reportUrl]);
    expect(dialogs).toEqual([]);
    expect(await page.isVisible('#filters')).toBe(true); // the page's own script ran under the CSP
    await page.context().close();
  });

  it('shows the queue in queue order with tiers and scores', async () => {
    const { page } = await open();
    expect(await visibleIds(page)).toEqual(queueIds.map((b) => b.id));
    const firstTier = await page.textContent('#queue tbody tr[data-i="0"] td:nth-child(2)');
    expect(firstTier?.trim()).toBe(queueIds[0].tier);
    expect(await page.textContent('#f-shown')).toBe(`${queueIds.length} of ${queueIds.length} bundles shown`);
    await page.context().close();
  });

  it('hides a tier when its filter is unticked, and filters known/unknown and by text', async () => {
    const { page } = await open();
    const backlog = queueIds.filter((b) => b.tier === 'P4 backlog');
    expect(backlog.length).toBeGreaterThan(0);
    await page.click('label.chip:has-text("P4 backlog")');
    expect(await visibleIds(page)).toEqual(queueIds.filter((b) => b.tier !== 'P4 backlog').map((b) => b.id));
    await page.click('label.chip:has-text("P4 backlog")');

    await page.selectOption('#f-status', 'known');
    expect(await visibleIds(page)).toEqual(queueIds.filter((b) => b.status === 'known').map((b) => b.id));
    await page.selectOption('#f-status', 'all');

    await page.fill('#f-text', 'MIRROR.example.org');
    expect((await visibleIds(page)).length).toBe(1);
    await page.fill('#f-text', 'no such text anywhere');
    expect(await visibleIds(page)).toEqual([]);
    expect(await page.isVisible('#none')).toBe(true);
    await page.context().close();
  });

  it('shows hostile paths and notes as literal text', async () => {
    const { page, dialogs } = await open();
    await page.fill('#f-text', 'alert(1)');
    const ids = await visibleIds(page);
    expect(ids.length).toBe(1);
    const row = page.locator('#queue tbody tr[data-i]:visible');
    expect(await row.locator('.members .path').first().textContent()).toBe(HOSTILE_PATH);
    await row.locator('summary:has-text("report details")').click();
    expect(await row.textContent()).toContain(HOSTILE_NOTE);
    expect(await page.$$eval('#queue tbody script, #queue tbody img', (els) => els.length)).toBe(0);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it('shows why each file is in its bundle, the flags, and the related bundles', async () => {
    const { page } = await open();
    const drift = page.locator('#b-1c2d3e4f5a6b7c8d');
    expect(await drift.locator('.members li').allInnerTexts()).toEqual([
      'complaints/c101.jpg\nfirst file of the bundle',
      'complaints/c102.jpg\nmd5 equal to complaints/c101.jpg',
      'complaints/c103-resized.jpg\npdq distance 22 to complaints/c102.jpg',
    ]);
    expect(await drift.locator('.flags li').innerText()).toContain('files far apart perceptual_drift files 40 apart by pdq (threshold 31)');
    expect(await page.locator('#b-7f3a0c11d2e4f5a6 .flags .badge').innerText()).toBe('check by hand');
    const known = page.locator('#b-0a1b2c3d4e5f6a7b');
    expect(await known.locator('.members li').first().locator('.own').innerText()).toMatch(/^own matches: vics-export: Cat A \(severity 1\)/);
    expect(await known.locator('.related').isVisible()).toBe(true);
    expect(await known.locator('.related li').innerText()).toMatch(/^#\d+ b-5a5a5a5a5a5a5a5a same report R-106$/);
    await page.context().close();
  });

  it('follows a related-bundle link within the page, revealing the row when filters hid it', async () => {
    const { page, requests } = await open();
    await page.fill('#f-text', 'IMG_0001'); // shows only the bundle holding IMG_0001.jpg
    expect(await visibleIds(page)).toEqual(['b-0a1b2c3d4e5f6a7b']);
    await page.click('#b-0a1b2c3d4e5f6a7b .related a');
    await page.waitForFunction("location.hash === '#b-5a5a5a5a5a5a5a5a'");
    expect(new URL(page.url()).pathname).toBe(new URL(reportUrl).pathname);
    expect(await page.isVisible('#b-5a5a5a5a5a5a5a5a')).toBe(true);
    expect(await page.$eval('#b-5a5a5a5a5a5a5a5a', (el) => el.matches(':target'))).toBe(true);
    expect(await page.inputValue('#f-text')).toBe('');
    expect(await visibleIds(page)).toHaveLength(queueIds.length);
    // and back: the other bundle links to this one
    await page.click('#b-5a5a5a5a5a5a5a5a .related a');
    await page.waitForFunction("location.hash === '#b-0a1b2c3d4e5f6a7b'");
    expect(requests).toEqual([reportUrl]);
    await page.context().close();
  });

  it('is readable with JavaScript disabled: every row shown, filters hidden', async () => {
    const { page, consoleErrors } = await open(false);
    expect(await visibleIds(page)).toEqual(queueIds.map((b) => b.id));
    expect(await page.isVisible('#filters')).toBe(false);
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });
});

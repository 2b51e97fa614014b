/**
 * A real headless Chromium (Debian's `chromium`) driven by playwright-core, with a fresh
 * profile and nothing that phones home, and a page that records every request and every
 * console error. Skips with a printed reason when chromium is missing (fails under CI).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { requireTool } from './tools.js';

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  const path = requireTool(t, 'chromium', 'apt-get install chromium');
  if (!path) return undefined;
  const profile = mkdtempSync(join(tmpdir(), 'sloprobe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: path,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page whose requests and console errors (CSP violations included) are kept. */
export interface WatchedPage {
  readonly page: Page;
  readonly requests: string[];
  readonly errors: string[];
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, requests, errors };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildClient } from '../../client/build.js';
import type { Config } from '../../server/config.js';
import { startTestNode, type TestNode } from './test-node.js';
import { listeningNode } from './video.js';

/** Headless Chromium as installed by apt (`npx playwright install` cannot work here). */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** For WebRTC pages: a fake camera and microphone, and loopback candidates (the namespace has nothing else). */
export const FAKE_MEDIA_ARGS = [
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export interface BrowserNode {
  hospital: TestNode;
  web: Awaited<ReturnType<typeof listeningNode>>;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A SQLite node serving a freshly built web client on 127.0.0.1, and a headless Chromium to drive it; `overrides`
 * change the node's config (a short ACCESS_TOKEN_TTL_SECONDS, say).
 */
export async function startBrowserNode(extraArgs: string[] = [], overrides: Partial<Config> = {}): Promise<BrowserNode> {
  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-client-'));
  await buildClient(clientDir);
  const hospital = await startTestNode('sqlite', { ...overrides, clientDir });
  const web = await listeningNode(hospital);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
  return {
    hospital, web, browser,
    async close() {
      await browser.close();
      await web.close();
      fs.rmSync(clientDir, { recursive: true, force: true });
    },
  };
}

export interface HomePageSuite {
  /** The suite's node, started in its `before` hook … */
  readonly node: BrowserNode;
  /** … and its hospital. */
  readonly hospital: TestNode;
  /**
   * A new browser context at the home page, signed in as this account; its uncaught errors fail the test. The
   * browser speaks `locale` (English unless said) and has the `viewport` given (Playwright's default unless said).
   */
  signIn(email: string, password: string, options?: { locale?: string; viewport?: { width: number; height: number } }): Promise<Page>;
  /** Makes the page's uncaught errors fail the test (for pages opened without `signIn`). */
  watch(page: Page): Page;
}

/**
 * Registers a suite's hooks for the home page: one browser node for the suite (Chromium started with
 * `extraArgs`, e.g. FAKE_MEDIA_ARGS for the video visit page), closed after it, and after each test an assertion
 * that no page threw an uncaught error.
 */
export function homePageSuite(extraArgs: string[] = [], overrides: Partial<Config> = {}): HomePageSuite {
  let started: BrowserNode | undefined;
  const pageErrors: string[] = [];
  before(async () => { started = await startBrowserNode(extraArgs, overrides); });
  after(async () => { await started?.close(); });
  afterEach(() => {
    expect(pageErrors.splice(0), 'uncaught errors in the pages').to.deep.equal([]);
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  };
  const current = () => {
    if (!started) throw new Error('the browser node is not started yet');
    return started;
  };
  return {
    get node() { return current(); },
    get hospital() { return current().hospital; },
    watch,
    async signIn(email, password, { locale = 'en-US', viewport } = {}) {
      const page = watch(await (await current().browser.newContext({ locale, ...(viewport ? { viewport } : {}) })).newPage());
      await page.goto(`${current().web.base}/`);
      // By the fields' names, not their labels: the labels are in the page's language.
      await page.locator('form.sign-in input[name="username"]').fill(email);
      await page.locator('form.sign-in input[name="password"]').fill(password);
      await page.locator('form.sign-in button[type="submit"]').click();
      await page.waitForSelector('#home:not([hidden])');
      return page;
    },
  };
}

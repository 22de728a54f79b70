import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildClient } from '../../client/build.js';
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

/** A SQLite node serving a freshly built web client on 127.0.0.1, and a headless Chromium to drive it. */
export async function startBrowserNode(extraArgs: string[] = []): Promise<BrowserNode> {
  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-client-'));
  await buildClient(clientDir);
  const hospital = await startTestNode('sqlite', { clientDir });
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

export interface SignInSuite {
  /** The suite's node, once its `before` has run. */
  readonly hospital: TestNode;
  /** A fresh browser context on the home page, signed in through the form. */
  signIn(email: string, password: string): Promise<Page>;
}

/**
 * For a describe() of the pages behind the sign-in form: starts a browser node before the suite and closes it
 * after; after each test, any uncaught error a page threw fails it.
 */
export function signInSuite(): SignInSuite {
  let node: BrowserNode | undefined;
  const pageErrors: string[] = [];
  before(async () => { node = await startBrowserNode(); });
  after(async () => { await node?.close(); });
  afterEach(() => {
    expect(pageErrors.splice(0), 'uncaught errors in the pages').to.deep.equal([]);
  });
  const started = () => {
    if (!node) throw new Error('the browser node is not started yet');
    return node;
  };
  return {
    get hospital() { return started().hospital; },
    async signIn(email, password) {
      const { browser, web } = started();
      const page = await (await browser.newContext()).newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${web.base}/`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForSelector('#home:not([hidden])');
      return page;
    },
  };
}

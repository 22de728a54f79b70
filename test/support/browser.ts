import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
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

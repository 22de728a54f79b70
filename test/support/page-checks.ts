/**
 * What every page must pass in the browser tests (issue 14): axe-core finds no WCAG 2.2 AA violation, nothing
 * scrolls sideways on a 360-px phone, and a screenshot of the step under test-results/ for people to look at.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Page } from 'playwright-core';

/** The two widths the pages are checked at: a laptop and a common phone. */
export const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;
export type ViewportName = keyof typeof VIEWPORTS;
/** The narrowest phone the layout must fit without sideways scrolling. */
export const NARROWEST_PHONE = 360;

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { id: string; help: string; nodes: Array<{ target: unknown[] }> }

/** axe-core's violations of WCAG 2.0–2.2 A and AA on the page as it is now, each with the elements at fault. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, as addScriptTag's inline <script> would be refused by the page's CSP.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${AXE_SOURCE};0`);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return result.violations;
  });
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** How wide the page is at the narrowest phone; the viewport is put back as it was. */
export async function widthAtNarrowestPhone(page: Page): Promise<number> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: NARROWEST_PHONE, height: 800 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (before) await page.setViewportSize(before);
  return width;
}

/** The page as it looks now, under test-results/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true });
}

/** The checks of a journey's step: no accessibility violation, no sideways scroll at 360 px, and its screenshot. */
export async function checkPage(page: Page, name: string): Promise<void> {
  expect(await accessibilityViolations(page), `axe-core violations on ${name}`).to.deep.equal([]);
  expect(await widthAtNarrowestPhone(page), `the width of ${name} at ${NARROWEST_PHONE} px`).to.be.at.most(NARROWEST_PHONE);
  await screenshot(page, name);
}

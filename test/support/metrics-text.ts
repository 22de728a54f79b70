import { expect } from 'chai';
import request from 'supertest';
import type { TestNode } from './test-node.js';

/** The value of one sample of a Prometheus text exposition (labels matched exactly, in any order); undefined when absent. */
export function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.keys(found).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => found[k] === v)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

/** /metrics as an admin of the node reads it. */
export async function scrapeMetrics(hospital: TestNode): Promise<string> {
  const res = await request(hospital.app).get('/metrics').auth(await hospital.tokenFor('admin@demo.test'), { type: 'bearer' });
  expect(res.status, res.text).to.equal(200);
  return res.text;
}

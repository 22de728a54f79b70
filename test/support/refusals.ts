import { expect } from 'chai';
import type { Response } from 'supertest';

/** The words a refusal gives a person: problem+json's title under /api and /auth, the issue's diagnostics under /fhir. */
export function refusalMessage(res: Pick<Response, 'body' | 'type'>, path: string): string | undefined {
  const body = res.body as { resourceType?: string; issue?: Array<{ diagnostics?: string; details?: { text?: string } }>; title?: string; code?: string };
  if (path.startsWith('/fhir')) return body.resourceType === 'OperationOutcome' ? body.issue?.[0]?.diagnostics ?? body.issue?.[0]?.details?.text : undefined;
  return res.type === 'application/problem+json' && typeof body.code === 'string' ? body.title : undefined;
}

/** What a client sees for every refused input: 4xx, the error format of its API, and a message that says what. */
export function expectClearRefusal(res: Response, path: string): void {
  expect(res.status, JSON.stringify(res.body)).to.be.within(400, 499);
  expect(refusalMessage(res, path), JSON.stringify(res.body)).to.be.a('string').with.length.greaterThan(10);
  expect(JSON.stringify(res.body)).not.to.match(/at .+\.ts:\d+|SELECT |INSERT |Sequelize/);
}

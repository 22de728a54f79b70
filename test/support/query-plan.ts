import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import type { TestNode } from './test-node.js';

/**
 * The query plan of the search statement a GET runs: the SQL captured from the driver (the first statement over
 * `fhir_resources r`), then EXPLAINed on its own database (EXPLAIN QUERY PLAN on SQLite), as JSON text to match
 * index names in.
 */
export async function searchPlan(node: TestNode, token: string, path: string): Promise<string> {
  const statements: string[] = [];
  const options = (node.db.sequelize as unknown as { options: { logging?: unknown } }).options;
  const previous = options.logging;
  options.logging = (sql: string) => statements.push(sql.replace(/^Executing \([^)]*\): /, ''));
  try {
    const res = await request(node.app).get(`/fhir/${path}`).auth(token, { type: 'bearer' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  } finally {
    options.logging = previous;
  }
  const sql = statements.find((s) => s.includes('FROM fhir_resources r'));
  expect(sql, 'the search statement').to.be.a('string');
  const explain = node.dialect === 'sqlite' ? `EXPLAIN QUERY PLAN ${sql!}` : `EXPLAIN ${sql!}`;
  return JSON.stringify(await node.db.sequelize.query(explain, { type: QueryTypes.SELECT }));
}

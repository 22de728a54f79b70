import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import request from 'supertest';
import type { TestNode } from './test-node.js';

/**
 * The query plan of the search statement a GET runs: the SQL captured from Sequelize's logging (the first statement
 * over `fhir_resources r`, with its bound values when db.select ran it), then EXPLAINed on its own database
 * (EXPLAIN QUERY PLAN on SQLite), as JSON text to match index names in.
 */
export async function searchPlan(node: TestNode, token: string, path: string): Promise<string> {
  const statements: Array<{ sql: string; binds: unknown[] }> = [];
  const options = (node.db.sequelize as unknown as { options: { logging?: unknown } }).options;
  const previous = options.logging;
  options.logging = (sql: string, logged?: { bind?: unknown[] }) => {
    statements.push({ sql: sql.replace(/^Executing \([^)]*\): /, ''), binds: Array.isArray(logged?.bind) ? logged.bind : [] });
  };
  try {
    const res = await request(node.app).get(`/fhir/${path}`).auth(token, { type: 'bearer' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  } finally {
    options.logging = previous;
  }
  const statement = statements.find((s) => s.sql.includes('FROM fhir_resources r'));
  expect(statement, 'the search statement').to.be.an('object');
  const explain = node.dialect === 'sqlite' ? `EXPLAIN QUERY PLAN ${statement!.sql}` : `EXPLAIN ${statement!.sql}`;
  return JSON.stringify(await node.db.sequelize.query(explain, { type: QueryTypes.SELECT, replacements: statement!.binds }));
}

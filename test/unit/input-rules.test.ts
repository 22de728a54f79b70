import { expect } from 'chai';
import express, { Router } from 'express';
import request from 'supertest';
import { errorHandler } from '../../server/http/error-handler.js';
import { guardRouteIds, isWellFormedText, wellFormedInput } from '../../server/http/input-rules.js';
import { createLogger } from '../../server/logger.js';

/** A bare app with one nested router, as buildApp mounts them, guarded the same way. */
function guardedApp() {
  const app = express();
  app.use((req, _res, next) => { req.log = createLogger('silent'); next(); });
  app.use(express.json());
  app.use(wellFormedInput());
  const inner = Router();
  inner.get('/api/things/:thingId', (req, res) => { res.json({ id: req.params.thingId }); });
  inner.post('/fhir/:type/:id', (req, res) => { res.json({ id: req.params.id }); });
  const outer = Router();
  outer.use(inner);
  app.use(outer);
  app.use(errorHandler());
  guardRouteIds(app.router);
  return app;
}

describe('Input rules', () => {
  it('when text holds a lone surrogate or a control character other than tab, CR, LF, then it is not well-formed', () => {
    for (const bad of ['\u0000', 'a\ud800', '\udc00b', '\u0007', '\u001f']) expect(isWellFormedText(bad), JSON.stringify(bad)).to.equal(false);
    for (const good of ['', 'plain', 'tab\there', 'line\r\n', '😀 surrogate pair', 'ü € 中文']) expect(isWellFormedText(good), good).to.equal(true);
  });

  it('when a nested router has an …Id parameter, then a value that is not a FHIR id is a 400 naming it, and a good one passes', async () => {
    const app = guardedApp();
    const refused = await request(app).get(`/api/things/${'x'.repeat(65)}`);
    expect(refused.status).to.equal(400);
    expect(refused.body.code).to.equal('invalid-id');
    expect(refused.body.errors[0].expression).to.equal('thingId');
    expect((await request(app).get('/api/things/a1-b2.c3')).body).to.deep.equal({ id: 'a1-b2.c3' });
  });

  it('when an id holds NUL or an operation name sits where an id would, then NUL is refused and $operation passes', async () => {
    const app = guardedApp();
    const nul = await request(app).post('/fhir/Patient/a%00b').send({});
    expect(nul.status).to.equal(400);
    expect(nul.body.resourceType).to.equal('OperationOutcome');
    expect((await request(app).post('/fhir/Patient/$validate').send({})).body).to.deep.equal({ id: '$validate' });
  });

  it('when a body key or value or a query value is ill-formed, then the answer is 400 ill-formed-text pointing at it', async () => {
    const app = guardedApp();
    const inKey = await request(app).post('/fhir/Patient/x').type('json').send('{"a":{"b\\u0000":1}}');
    expect(inKey.status).to.equal(400);
    expect(inKey.body.issue[0].expression).to.deep.equal(['body.a']);
    const inValue = await request(app).post('/fhir/Patient/x').type('json').send('{"a":["ok","\\ud800"]}');
    expect(inValue.body.issue[0].expression).to.deep.equal(['body.a.1']);
    const inQuery = await request(app).get('/api/things/x?q=%00');
    expect(inQuery.body.code).to.equal('ill-formed-text');
    expect((await request(app).get('/api/things/%E0%A4%A')).body.code).to.equal('malformed-path');
  });
});

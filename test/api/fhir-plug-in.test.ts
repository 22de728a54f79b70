import { expect } from 'chai';
import request from 'supertest';
import { registerResource, unregisterResource, type Row } from '../../server/fhir/registry.js';
import * as records from '../../server/fhir/repository/records.js';
import { expectValidR4 } from '../support/fhir-validator.js';
import { describeOnEachDatabase } from '../support/test-node.js';

/**
 * How another capability plugs into /fhir: a type declared with a custom create handler and a `$operation`,
 * served by the same router and listed in the CapabilityStatement (docs/fhir.md, "Adding a resource type").
 */
describeOnEachDatabase('FHIR registry: a capability plugs in its own type, create handler and operation', (hospital) => {
  const created: string[] = [];
  before(() => {
    registerResource({
      type: 'Basic',
      model: (db) => db.models.Organization,
      toResource: (row: Row) => ({
        resourceType: 'Basic', id: String(row.id), meta: { versionId: String(row.versionId), lastUpdated: new Date(row.updatedAt as Date).toISOString() },
        code: { text: String(row.name) },
      }),
      interactions: ['read', 'create'],
      writeRoles: ['admin'],
      searchParams: [],
      async create(ctx, resource, id) {
        created.push(id);
        const row = await ctx.db.models.Organization.create({
          id, name: `made by the plug-in: ${(resource as { code?: { text?: string } }).code?.text ?? ''}`, kind: 'hospital', identifier: null,
        }, { transaction: ctx.tx });
        await records.created(ctx, 'Organization', row);
        return row.get({ plain: true }) as Row;
      },
      operations: [{
        name: 'ping', level: 'instance', definition: 'urn:internet-hospital:operation:ping', documentation: 'Answers pong',
        async handler(_ctx, { id }) {
          return { status: 200, resource: { resourceType: 'Parameters', parameter: [{ name: 'pong', valueString: id }] } };
        },
      }],
    });
  });
  after(() => unregisterResource('Basic'));

  it('when the type is registered, then metadata lists it and its operation, and POST uses its own create handler', async () => {
    const token = await hospital().tokenFor('admin@demo.test');
    const metadata = await request(hospital().app).get('/fhir/metadata').expect(200);
    const basic = metadata.body.rest[0].resource.find((r: { type: string }) => r.type === 'Basic');
    expect(basic.interaction.map((i: { code: string }) => i.code)).to.deep.equal(['read', 'create']);
    expect(basic.operation).to.deep.equal([{ name: 'ping', definition: 'urn:internet-hospital:operation:ping', documentation: 'Answers pong' }]);
    expectValidR4(metadata.body);

    const res = await request(hospital().app).post('/fhir/Basic').auth(token, { type: 'bearer' })
      .set('Content-Type', 'application/fhir+json').send(JSON.stringify({ resourceType: 'Basic', code: { text: 'hello' } })).expect(201);
    expect(created).to.include(res.body.id);
    expect(res.body.code.text).to.equal('made by the plug-in: hello');

    const pong = await request(hospital().app).post(`/fhir/Basic/${res.body.id}/$ping`).auth(token, { type: 'bearer' }).expect(200);
    expect(pong.body.parameter[0]).to.deep.equal({ name: 'pong', valueString: res.body.id });
    await request(hospital().app).post(`/fhir/Basic/${res.body.id}/$nope`).auth(token, { type: 'bearer' }).expect(404);
    await request(hospital().app).put(`/fhir/Basic/${res.body.id}`).auth(token, { type: 'bearer' }).send({ resourceType: 'Basic' }).expect(405);
  });
});

import { expect } from 'chai';
import request from 'supertest';
import { DIALECTS } from '../support/databases.js';
import { closePartnerPair, sharedPatient, startPartnerPair, type PartnerPair } from '../support/exchange.js';

const DAY = 86_400_000;
const bp = (systolic: number, diastolic: number, at: Date, entryMethod: 'device' | 'typed' = 'device') => ({
  code: '85354-9', effectiveAt: at.toISOString(), entryMethod, ...(entryMethod === 'device' ? { deviceName: 'Omron M7' } : {}),
  components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: diastolic, unit: 'mm[Hg]' }],
});

interface ListedReading {
  id: string;
  effectiveAt: string;
  entryMethod: string | null;
  components: Array<{ value: number }>;
  origin: { kind: string; partnerName?: string | null; fhirBaseUrl?: string };
  alsoFrom: Array<{ kind: string; partnerName: string | null }>;
}

for (const dialect of DIALECTS) {
  describe(`home readings from a partner hospital: their origin, and each measurement once [${dialect}]`, function () {
    let pair: PartnerPair;
    before(async function () {
      pair = await startPartnerPair(this, dialect);
    });
    after(() => closePartnerPair(pair ?? {}));

    const send = (node: PartnerPair['a'], who: { patientId: string; token: string }, body: object) =>
      request(node.hospital.app).post(`/api/patients/${who.patientId}/readings`).auth(who.token, { type: 'bearer' }).send(body).expect(201);
    const pull = (who: { patientId: string; token: string }) => request(pair.a.hospital.app)
      .post(`/api/patients/${who.patientId}/partner-records/pull`).auth(who.token, { type: 'bearer' }).expect(200);
    const list = async (who: { patientId: string; token: string }) => (await request(pair.a.hospital.app)
      .get(`/api/patients/${who.patientId}/readings`).auth(who.token, { type: 'bearer' }).expect(200)).body as ListedReading[];

    it('when a partner sent the same measurement (within a minute, same value), then the list shows it once, local, marked with both origins; '
      + 'a reading only the partner has shows as the partner\'s with its entry method', async () => {
      const { atA, atB } = await sharedPatient(pair);
      const taken = new Date(Date.now() - 2 * DAY);
      await send(pair.a, atA, bp(132, 84, taken));
      await send(pair.b, atB, bp(132, 84, new Date(taken.getTime() + 60_000)));
      await send(pair.b, atB, bp(132, 84, new Date(taken.getTime() + 2 * 60_000 + 1000)));
      await send(pair.b, atB, bp(128, 82, new Date(Date.now() - DAY), 'typed'));
      expect((await pull(atA)).body.imported[0]).to.include({ observations: 3 });

      const readings = await list(atA);
      const shown = readings.map((r) => [r.components[0].value, r.origin.kind, r.origin.partnerName ?? null, r.entryMethod, r.alsoFrom]);
      expect(shown).to.deep.equal([
        [128, 'partner', 'Hospital B', null, []],
        [132, 'partner', 'Hospital B', 'device', []],
        [132, 'this-hospital', null, 'device', [{ kind: 'partner', partnerName: 'Hospital B', fhirBaseUrl: `${pair.b.url}/fhir` }]],
      ]);
      expect(readings[0].origin).to.deep.equal({ kind: 'partner', partnerName: 'Hospital B', fhirBaseUrl: `${pair.b.url}/fhir` });
      expect(await pair.a.hospital.db.models.Observation.count({ where: { patientId: atA.patientId } }), 'the partner\'s record is kept').to.equal(4);
    });

    it('when a partner\'s copy of a high reading is imported, then the 7-day average counts it once and raises no stage 2 alert', async () => {
      const { atA, atB } = await sharedPatient(pair);
      // 150/95, 130/80 and 136/86 average 139/87: below stage 2. Counting the copy of 150/95 twice would give 142/89.
      const high = new Date(Date.now() - 3 * DAY);
      await send(pair.a, atA, bp(150, 95, high));
      await send(pair.b, atB, bp(150, 95, new Date(high.getTime() + 20_000)));
      await pull(atA);
      await send(pair.a, atA, bp(130, 80, new Date(Date.now() - 2 * DAY)));
      const last = await send(pair.a, atA, bp(136, 86, new Date(Date.now() - DAY)));
      expect(last.body.alerts).to.deep.equal([]);
      expect(await pair.a.hospital.db.models.MonitoringAlert.count({ where: { patientId: atA.patientId } })).to.equal(0);

      // The rule still counts partner measurements that are not copies: a distinct 160/100 at B lifts the average past stage 2.
      await send(pair.b, atB, bp(160, 100, new Date(Date.now() - 2.5 * DAY)));
      await pull(atA);
      const next = await send(pair.a, atA, bp(136, 86, new Date(Date.now() - DAY / 2)));
      expect(next.body.alerts.map((a: { kind: string }) => a.kind)).to.deep.equal(['bp-stage-2']);
      expect(next.body.alerts[0].finding.values).to.include({ systolic: 142, diastolic: 89, readings: 5 });
    });
  });
}

import { expect } from 'chai';
import { Op } from 'sequelize';
import request from 'supertest';
import { adminToken, newVisit, sessionLogWriter, startVisit } from '../support/consultations.js';
import { bookedAppointment, diagnoseHypertensionInPerson } from '../support/factories.js';
import { describeOnEachDatabase, type TestNode } from '../support/test-node.js';

interface Charge { id: string; code: string; status: string; minutes: number; reasons: Array<{ code: string; display: string }>; versionId: string }

describeOnEachDatabase('charges that explain themselves, created when a visit finishes', (hospital) => {
  const post = (path: string, token: string, body?: object) => request(hospital().app).post(path).auth(token, { type: 'bearer' }).send(body);
  const get = (path: string, token: string) => request(hospital().app).get(path).auth(token, { type: 'bearer' });
  const note = { subjective: 'Home readings 130/84', assessment: 'Hypertension, controlled', plan: 'Continue ramipril' };

  type Visit = Awaited<ReturnType<typeof newVisit>>;

  /** Both sides connected for `minutes` whole minutes (and 30 s), ending a minute ago. */
  async function connectedFor(node: TestNode, visit: Visit, minutes: number) {
    const t0 = Date.now() - (minutes + 1) * 60_000;
    const line = sessionLogWriter(node, {
      appointmentId: visit.appointment.id, encounterId: visit.visitId, patientUserId: visit.patient.userId, doctorUserId: visit.doctor.userId,
    }, t0);
    await line('patient', 'connect', 0);
    await line('doctor', 'connect', 0);
    await line('patient', 'leave', minutes * 60_000 + 30_000);
    await line('doctor', 'leave', minutes * 60_000 + 30_000);
  }

  /** An eligible, established patient's video visit with `minutes` connected, a note, up to just before the finish. */
  async function visitReadyToFinish(options: { minutes?: number; eligible?: boolean; note?: object | null; name?: string } = {}) {
    const node = hospital();
    const visit = await newVisit(node, options.name ?? 'Billed');
    if (options.eligible !== false) await diagnoseHypertensionInPerson(node, visit.patient.patientId, visit.doctor.practitionerId);
    await startVisit(node, visit);
    if (options.minutes !== undefined) await connectedFor(node, visit, options.minutes);
    if (options.note !== null) await request(node.app).put(`/api/visits/${visit.visitId}/note`).auth(visit.doctor.token, { type: 'bearer' }).send({ ...note, ...options.note }).expect(200);
    return visit;
  }

  async function finish(visit: Visit, body: object = {}): Promise<Charge[]> {
    const res = await post(`/api/visits/${visit.visitId}/finish`, visit.doctor.token, body).expect(200);
    expect(res.body.status).to.equal('finished');
    return res.body.charges;
  }

  const em = (charges: Charge[]) => charges.find((c) => /^992/.test(c.code))!;
  const reasonsOf = (charge: Charge) => charge.reasons.map((r) => r.code).filter((c) => c !== 'qualifies');

  it('when a video visit finishes, then its E/M level is the highest band the connected minutes reach: 9/10, 19/20, 39/40', async () => {
    const cases: Array<[number, string, string]> = [
      [9, '99212', 'not-billable'], [10, '99212', 'billable'], [19, '99212', 'billable'], [20, '99213', 'billable'],
      [39, '99214', 'billable'], [40, '99215', 'billable'],
    ];
    for (const [minutes, code, status] of cases) {
      const charge = em(await finish(await visitReadyToFinish({ minutes })));
      expect([minutes, charge.code, charge.status, charge.minutes], `${minutes} min`).to.deep.equal([minutes, code, status, minutes]);
    }
  });

  it('when the minutes are below the lowest band, then the E/M charge says so and a short call bills as a virtual check-in', async () => {
    const charges = await finish(await visitReadyToFinish({ minutes: 9 }));
    expect(reasonsOf(em(charges))).to.deep.equal(['minutes-below-minimum']);
    expect(em(charges).reasons.find((r) => r.code === 'minutes-below-minimum')!.display).to.match(/9 min connected in the video session are below the 10 min/);
    expect(charges.find((c) => c.code === '98016')).to.include({ status: 'billable' });
  });

  it('when a virtual check-in band and an E/M are both reached, then the check-in is not billable: mutually exclusive', async () => {
    const charges = await finish(await visitReadyToFinish({ minutes: 15 }));
    expect(em(charges)).to.include({ code: '99212', status: 'billable' });
    const checkIn = charges.find((c) => c.code === 'G2252')!;
    expect([checkIn.status, reasonsOf(checkIn)]).to.deep.equal(['not-billable', ['mutually-exclusive']]);
  });

  it('when the ChargeItem is read over FHIR, then it carries the contract: identifier, evidence, rule version, reasons and inputs', async () => {
    const visit = await visitReadyToFinish({ minutes: 22 });
    const charge = em(await finish(visit));
    const admin = await adminToken(hospital());
    const res = await request(hospital().app).get(`/fhir/ChargeItem/${charge.id}`).auth(admin, { type: 'bearer' }).expect(200);
    const item = res.body;
    expect(item.identifier).to.deep.equal([{ system: 'https://internet-hospital.dev/fhir/sid/charge', value: `${visit.visitId}:99213` }]);
    expect(item.code.coding[0]).to.include({ system: 'http://www.ama-assn.org/go/cpt', code: '99213' });
    expect(item.subject.reference).to.equal(`Patient/${visit.patient.patientId}`);
    expect(item.context.reference).to.equal(`Encounter/${visit.visitId}`);
    expect(item.performer[0].actor.reference).to.equal(`Practitioner/${visit.doctor.practitionerId}`);
    const note = await hospital().db.models.VisitNote.findOne({ where: { encounterId: visit.visitId }, rejectOnEmpty: true });
    expect(item.supportingInformation.map((r: { reference: string }) => r.reference)).to.deep.equal([`Encounter/${visit.visitId}`, `Composition/${note.id}`]);
    const decision = item.extension.find((e: { url: string }) => e.url === 'https://internet-hospital.dev/fhir/StructureDefinition/billing-decision').extension;
    const value = (url: string) => decision.filter((e: { url: string }) => e.url === url);
    expect(value('ruleVersion')[0].valueString).to.match(/^\d{4}\./);
    expect(value('catalogueVersion')[0].valueString).to.match(/^2026\.1-shipped/);
    expect(value('minutes')[0].valueInteger).to.equal(22);
    expect(value('minutesSource')[0].valueCode).to.equal('video-session');
    expect(value('modifier').map((e: { valueCoding: { code: string } }) => e.valueCoding.code)).to.deep.equal(['95']);
    expect(value('placeOfService')[0].valueCoding.code).to.equal('10');
    expect(value('reason').every((e: { valueCoding: { code: string } }) => e.valueCoding.code === 'qualifies')).to.equal(true);
    expect(JSON.parse(value('inputs')[0].valueString)).to.include({ connectedMinutes: 22, establishedPatient: true, encounterId: visit.visitId });
  });

  it('when an audio-only visit finishes, then the minutes come from the signed note and the modifier is 93', async () => {
    const charges = await finish(await visitReadyToFinish({ minutes: 0, note: { contactMode: 'audio-only', documentedMinutes: 20 } }));
    expect(em(charges)).to.include({ code: '99213', status: 'billable', minutes: 20 });
    const admin = await adminToken(hospital());
    const item = (await request(hospital().app).get(`/fhir/ChargeItem/${em(charges).id}`).auth(admin, { type: 'bearer' }).expect(200)).body;
    const decision = item.extension[0].extension;
    expect(decision.find((e: { url: string }) => e.url === 'minutesSource').valueCode).to.equal('signed-note');
    expect(decision.find((e: { url: string }) => e.url === 'modifier').valueCoding.code).to.equal('93');
  });

  it('when the note claims more minutes than both sides were connected, then the charge is not billable for that reason', async () => {
    const charge = em(await finish(await visitReadyToFinish({ minutes: 12, note: { documentedMinutes: 25 } })));
    expect([charge.status, reasonsOf(charge)]).to.deep.equal(['not-billable', ['claimed-minutes-above-connected']]);
    expect(charge.reasons.find((r) => r.code !== 'qualifies')!.display).to.match(/claims 25 min but both sides were connected for only 12 min/);
  });

  it('when the visit has no note, then its charge is not billable: no signed note', async () => {
    const charge = em(await finish(await visitReadyToFinish({ minutes: 20, note: null })));
    expect([charge.status, reasonsOf(charge)]).to.deep.equal(['not-billable', ['no-signed-note']]);
  });

  it('when the patient is not eligible for an online follow-up, then the charge is not billable and says why', async () => {
    const charge = em(await finish(await visitReadyToFinish({ minutes: 20, eligible: false })));
    expect(reasonsOf(charge)).to.include('not-eligible');
    expect(charge.status).to.equal('not-billable');
  });

  it('when the doctor chooses a lower level, then it is billed; a higher one is a 422 and the visit stays open', async () => {
    const higher = await visitReadyToFinish({ minutes: 25 });
    const res = await post(`/api/visits/${higher.visitId}/finish`, higher.doctor.token, { level: '99214' }).expect(422);
    expect(res.body.code).to.equal('level-above-minutes');
    expect((await hospital().db.models.Encounter.findByPk(higher.visitId, { rejectOnEmpty: true })).status).to.equal('in-progress');
    expect(await hospital().db.models.FhirResource.count({ where: { resourceType: 'ChargeItem', content: { [Op.like]: `%${higher.visitId}%` } } })).to.equal(0);
    const lower = em(await finish(higher, { level: '99212' }));
    expect(lower).to.include({ code: '99212', status: 'billable' });
    expect(lower.reasons.map((r) => r.display).join(' ')).to.match(/The doctor chose 99212, below the 99213/);
  });

  it('when the doctor asks before finishing, then the level the minutes reach is the one finishing bills, with the bands below it', async () => {
    const visit = await visitReadyToFinish({ minutes: 25 });
    const level = (await get(`/api/visits/${visit.visitId}/billing-level`, visit.doctor.token).expect(200)).body;
    expect(level).to.deep.include({ jurisdiction: 'US', contactMode: 'video', minutesSource: 'video-session', minutes: 25, connectedMinutes: 25,
      establishedPatient: true, reached: '99213' });
    expect(level.levels.map((l: { code: string; minMinutes: number }) => [l.code, l.minMinutes]))
      .to.deep.equal([['99212', 10], ['99213', 20], ['99214', 30], ['99215', 40]]);
    expect(await hospital().db.models.AuditEvent.count({ where: { activity: 'visit-level-read', resourceId: visit.visitId } })).to.equal(1);
    expect(em(await finish(visit)).code).to.equal(level.reached);

    const audio = await visitReadyToFinish({ minutes: 0, note: { contactMode: 'audio-only', documentedMinutes: 31 } });
    expect((await get(`/api/visits/${audio.visitId}/billing-level`, audio.doctor.token).expect(200)).body)
      .to.deep.include({ contactMode: 'audio-only', minutesSource: 'signed-note', minutes: 31, documentedMinutes: 31, reached: '99214' });
    // Only the visit's doctor (and admins) see it: another doctor is told the visit does not exist, a patient may not ask.
    const other = await newVisit(hospital(), 'OtherDoctor');
    expect((await get(`/api/visits/${audio.visitId}/billing-level`, other.doctor.token).expect(404)).body.code).to.equal('visit-not-found');
    await get(`/api/visits/${audio.visitId}/billing-level`, audio.patient.token).expect(403);
    await get(`/api/visits/${audio.visitId}/billing-level`, await adminToken(hospital())).expect(200);
  });

  it('when the same patient, doctor, code and modifiers are billed twice on one day, then the second is a duplicate', async () => {
    const first = await visitReadyToFinish({ minutes: 20 });
    expect(em(await finish(first)).status).to.equal('billable');
    const appointment = await bookedAppointment(hospital(), { patientId: first.patient.patientId, practitionerId: first.doctor.practitionerId });
    const res = await post(`/api/appointments/${appointment.id}/visit`, first.patient.token).expect(200);
    const second = { ...first, appointment, visitId: res.body.id as string };
    await startVisit(hospital(), second);
    await connectedFor(hospital(), second, 20);
    await request(hospital().app).put(`/api/visits/${second.visitId}/note`).auth(first.doctor.token, { type: 'bearer' }).send(note).expect(200);
    const charge = em(await finish(second));
    expect([charge.code, charge.status, reasonsOf(charge)]).to.deep.equal(['99213', 'not-billable', ['duplicate']]);
  });

  it('when 20 visits of one patient and doctor finish at once, then the database lets exactly one 99213 be billable', async () => {
    const node = hospital();
    const first = await visitReadyToFinish({ minutes: 25, name: 'Race' });
    const visits: Visit[] = [first];
    for (let i = 1; i < 20; i++) {
      const appointment = await bookedAppointment(node, { patientId: first.patient.patientId, practitionerId: first.doctor.practitionerId });
      const res = await post(`/api/appointments/${appointment.id}/visit`, first.patient.token).expect(200);
      const visit = { ...first, appointment, visitId: res.body.id as string };
      await startVisit(node, visit);
      await connectedFor(node, visit, 25);
      await request(node.app).put(`/api/visits/${visit.visitId}/note`).auth(first.doctor.token, { type: 'bearer' }).send(note).expect(200);
      visits.push(visit);
    }
    const results = await Promise.all(visits.map((v) => post(`/api/visits/${v.visitId}/finish`, v.doctor.token, {})));
    // A node past its connection pool answers 503 with Retry-After (nothing saved); a client sends it again.
    for (const [i, res] of results.entries()) {
      expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 503]);
      if (res.status === 503) results[i] = await post(`/api/visits/${visits[i].visitId}/finish`, visits[i].doctor.token, {}).expect(200);
    }
    const statuses = results.map((r) => em(r.body.charges as Charge[]));
    expect(statuses.filter((c) => c.status === 'billable')).to.have.length(1);
    expect(statuses.filter((c) => c.status === 'not-billable' && reasonsOf(c).join() === 'duplicate')).to.have.length(19);
    expect(await node.db.models.BillingChargeKey.count({ where: { patientId: first.patient.patientId, code: '99213' } })).to.equal(1);
  });

  it('when an admin re-runs the rules for a visit, then each charge gets a new version and the old one is kept', async () => {
    const visit = await visitReadyToFinish({ minutes: 25 });
    const [before] = await finish(visit);
    const admin = await adminToken(hospital());
    await post(`/api/visits/${visit.visitId}/charges/recompute`, visit.doctor.token).expect(403);
    const res = await post(`/api/visits/${visit.visitId}/charges/recompute`, admin).expect(200);
    const after = res.body.find((c: Charge) => c.id === before.id);
    expect([after.status, after.versionId]).to.deep.equal(['billable', '2']);
    const history = await request(hospital().app).get(`/fhir/ChargeItem/${before.id}/_history`).auth(admin, { type: 'bearer' }).expect(200);
    expect(history.body.entry.map((e: { resource: { meta: { versionId: string }; status: string } }) => [e.resource.meta.versionId, e.resource.status]))
      .to.deep.equal([['2', 'billable'], ['1', 'billable']]);
    const listed = await get(`/api/visits/${visit.visitId}/charges`, visit.doctor.token).expect(200);
    expect(listed.body.map((c: Charge) => [c.code, c.versionId])).to.deep.equal([['99213', '2']]);
  });

  it('when an admin re-runs the rules for a cancelled visit, then its charge is not billable: cancelled; an open visit is 409', async () => {
    const node = hospital();
    const admin = await adminToken(node);
    const open = await visitReadyToFinish({ minutes: 5 });
    expect((await post(`/api/visits/${open.visitId}/charges/recompute`, admin).expect(409)).body.code).to.equal('visit-not-closed');
    const cancelled = await newVisit(node, 'Cancelled', new Date(Date.now() + 86_400_000));
    await diagnoseHypertensionInPerson(node, cancelled.patient.patientId, cancelled.doctor.practitionerId);
    await post(`/api/visits/${cancelled.visitId}/cancel`, cancelled.patient.token).expect(200);
    const [charge] = (await post(`/api/visits/${cancelled.visitId}/charges/recompute`, admin).expect(200)).body as Charge[];
    expect(charge.status).to.equal('not-billable');
    expect(reasonsOf(charge)).to.include('cancelled');
  });

  it('when an admin loads a catalogue version as CSV, then GET lists it and the next charge names it; a reused version is 409', async () => {
    const admin = await adminToken(hospital());
    const header = 'system,code,description,jurisdiction,category,unit,minMinutes,maxMinutes,establishedPatient,excludes,validFrom,priceValue,priceCurrency';
    const cpt = 'http://www.ama-assn.org/go/cpt';
    const rows = [
      `${cpt},99212,"Video visit, established, 10+ min",US,em-established,visit,10,19,true,99213,2025-01-01,50,USD`,
      `${cpt},99213,"Video visit, established, 20+ min",US,em-established,visit,20,,true,99212,2025-01-01,90,USD`,
      `${cpt},95,Video modifier,US,modifier,visit,,,,,2025-01-01,,`,
    ];
    const version = `csv-${hospital().dialect}-${Date.now()}`;
    const res = await request(hospital().app).post(`/api/billing/catalogue?version=${version}`).auth(admin, { type: 'bearer' })
      .set('content-type', 'text/csv').send([header, ...rows].join('\n')).expect(201);
    expect(res.body.entries.map((e: { code: string }) => e.code)).to.deep.equal(['99212', '99213', '95']);
    const current = await get('/api/billing/catalogue', admin).expect(200);
    expect(current.body.version).to.equal(version);
    try {
      const visit = await visitReadyToFinish({ minutes: 45 });
      const charge = em(await finish(visit));
      expect(charge).to.include({ code: '99213', status: 'billable' });
      const item = (await request(hospital().app).get(`/fhir/ChargeItem/${charge.id}`).auth(admin, { type: 'bearer' }).expect(200)).body;
      expect(item.priceOverride).to.deep.equal({ value: 90, currency: 'USD' });
      expect(item.extension[0].extension.find((e: { url: string }) => e.url === 'catalogueVersion').valueString).to.equal(version);
    } finally {
      // Later tests bill under the shipped catalogue again: load it as the newest version.
      const shipped = (await import('../../server/billing/catalogue.js')).shippedCatalogue();
      await post('/api/billing/catalogue', admin, { ...shipped, version: `${shipped.version}-again-${Date.now()}` }).expect(201);
    }
    const again = await request(hospital().app).post(`/api/billing/catalogue?version=${version}`).auth(admin, { type: 'bearer' })
      .set('content-type', 'text/csv').send([header, ...rows].join('\n')).expect(409);
    expect(again.body.code).to.equal('catalogue-version-exists');
    const bad = await post('/api/billing/catalogue', admin, { version: 'bad', entries: [{ system: 'not a url', code: '99212' }] }).expect(400);
    expect(bad.body.code).to.equal('invalid-input');
    await get('/api/billing/catalogue', (await visitReadyToFinish()).doctor.token).expect(403);
  });
});

import { expect } from 'chai';
import request from 'supertest';
import { ensureDemoVideoVisit } from '../../db/seeds/demo-video-visit.js';
import { recorded } from '../support/factories.js';
import { describeOnEachDatabase, startTestNode, type TestNode } from '../support/test-node.js';

const MINUTE = 60_000;

describeOnEachDatabase('the demo\'s video visit on every start', (shared) => {
  // Its own node: Alice's appointments here must not change what other suites see of her.
  let hospital: TestNode;
  before(async () => { hospital = await startTestNode(shared().dialect); });

  const aliceAppointments = async () => {
    const alice = await hospital.db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    return hospital.db.models.Appointment.findAll({ where: { patientId: alice.patientId! }, order: [['start', 'ASC']] });
  };

  it('when the demo node starts, then Alice has a video follow-up with Dr Chen whose room she can enter at once', async () => {
    const now = new Date();
    const visit = await ensureDemoVideoVisit(hospital.db, now);
    expect(visit?.added).to.equal(true);
    const minutesAway = (visit!.start.getTime() - now.getTime()) / MINUTE;
    expect(minutesAway).to.be.within(10, 15);
    const [appointment] = await aliceAppointments();
    expect(appointment).to.include({ id: visit!.appointmentId, visitType: 'video-follow-up', status: 'booked' });
    const chen = await hospital.db.models.User.findOne({ where: { email: 'dr.chen@demo.test' }, rejectOnEmpty: true });
    expect(appointment.practitionerId).to.equal(chen.practitionerId);
    const token = await request(hospital.app).post(`/api/appointments/${visit!.appointmentId}/video-token`)
      .auth(await hospital.tokenFor('alice@demo.test'), { type: 'bearer' });
    expect(token.status, JSON.stringify(token.body)).to.equal(201);
  });

  it('when the node starts again while that visit is still to come, then no other is added; once it is over, a new one is', async () => {
    const before = (await aliceAppointments()).length;
    const again = await ensureDemoVideoVisit(hospital.db, new Date());
    expect(again?.added).to.equal(false);
    expect((await aliceAppointments()).length).to.equal(before);

    const later = new Date(Date.now() + 2 * 60 * MINUTE);
    const next = await ensureDemoVideoVisit(hospital.db, later);
    expect(next?.added).to.equal(true);
    expect((next!.start.getTime() - later.getTime()) / MINUTE).to.be.within(10, 15);
    expect((await aliceAppointments()).length).to.equal(before + 1);
  });

  it('when a free slot of Dr Chen overlaps the demo visit, then it is taken, so no one else can book him then', async () => {
    const at = new Date(Date.now() + 6 * 60 * MINUTE);
    const chen = await hospital.db.models.User.findOne({ where: { email: 'dr.chen@demo.test' }, rejectOnEmpty: true });
    const schedule = await hospital.db.models.Schedule.findOne({ where: { practitionerId: chen.practitionerId! }, rejectOnEmpty: true });
    const start = new Date(Math.ceil((at.getTime() + 10 * MINUTE) / MINUTE) * MINUTE + 5 * MINUTE);
    const free = await recorded(hospital, 'Slot', await hospital.db.models.Slot.create({
      id: crypto.randomUUID(), scheduleId: schedule.id, practitionerId: chen.practitionerId!, start,
      end: new Date(start.getTime() + 20 * MINUTE), visitTypes: 'video-follow-up', status: 'free',
    }));
    expect((await ensureDemoVideoVisit(hospital.db, at))?.added).to.equal(true);
    await free.reload();
    expect(free.status).to.equal('busy');
  });

  it('when the database is not the demo hospital\'s, then nothing is added', async () => {
    const alice = await hospital.db.models.User.findOne({ where: { email: 'alice@demo.test' }, rejectOnEmpty: true });
    await alice.update({ email: 'alice.renamed@demo.test' });
    try {
      expect(await ensureDemoVideoVisit(hospital.db, new Date(Date.now() + 24 * 60 * MINUTE))).to.equal(null);
    } finally {
      await alice.update({ email: 'alice@demo.test' });
    }
  });
});

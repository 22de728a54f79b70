import { expect } from 'chai';
import { book, doctorWithSlots, eligiblePatient, freeSlotsOf } from '../support/appointments.js';
import { DIALECTS, mysqlUnavailableReason } from '../support/databases.js';
import { issuePrescription, openFollowUpVisit } from '../support/prescriptions.js';
import { startTestNode, type TestNode } from '../support/test-node.js';

// A node whose policy follows up only type 2 diabetes: hypertension patients must be refused everywhere.
for (const dialect of DIALECTS) {
  describe(`the node's follow-up policy applies to booking and prescribing [${dialect}]`, function () {
    let hospital: TestNode;
    before(async function () {
      const reason = dialect === 'mysql' ? await mysqlUnavailableReason() : null;
      if (reason && process.env.CI) throw new Error(reason);
      if (reason) this.skip();
      hospital = await startTestNode(dialect, {
        followUp: { lookBackDays: 730, chronicConditions: [{ from: 'E11', to: 'E11', display: 'Type 2 diabetes mellitus' }] },
      });
    });

    it('when CHRONIC_CONDITIONS leaves out hypertension, then a hypertension patient cannot book a video follow-up', async () => {
      const doctor = await doctorWithSlots(hospital);
      const [slot] = await freeSlotsOf(hospital, doctor.practitionerId);
      const patient = await eligiblePatient(hospital);
      const res = await book(hospital, patient.token, slot.id, 'video-follow-up').expect(422);
      expect(res.body.code).to.equal('follow-up-not-eligible');
    });

    it('when CHRONIC_CONDITIONS leaves out hypertension, then no prescription is issued for a hypertension follow-up', async () => {
      const setup = await openFollowUpVisit(hospital);
      const res = await issuePrescription(hospital, setup);
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('patient-not-eligible');
    });
  });
}

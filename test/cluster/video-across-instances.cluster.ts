import { expect } from 'chai';
import { expectSignallingBetween, roomToken, SignalClient, videoVisit } from '../support/video.js';
import { describeOnCluster } from './hospital-on-cluster.js';

describeOnCluster('video signalling across the two instances', (hospital) => {
  it('when the patient joins through instance A and the doctor through instance B, then the doctor sees them waiting, admits, and signals flow both ways', async () => {
    const [a, b] = hospital().instances;
    const { doctor, patient, appointmentId } = await videoVisit(a);
    // Each asks for its room token from the instance it uses, as a browser behind the load balancer would.
    const p = await SignalClient.join(a.wsUrl, await roomToken(a, appointmentId, patient.token));
    const d = await SignalClient.join(b.wsUrl, await roomToken(b, appointmentId, doctor.token));
    expect(p.answer.type).to.equal('joined');
    expect(d.answer.type).to.equal('joined');
    await expectSignallingBetween(p, d);
  });
});

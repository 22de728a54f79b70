import { expect } from 'chai';
import { roomToken, SignalClient, videoVisit } from '../support/video.js';
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
    expect(await d.client.nextOfType('peer-joined')).to.include({ side: 'patient' });
    expect(await p.client.nextOfType('peer-joined')).to.include({ side: 'doctor' });
    d.client.send({ type: 'admit' });
    await Promise.all([p.client.nextOfType('admitted'), d.client.nextOfType('admitted')]);
    d.client.send({ type: 'signal', gen: 1, data: { type: 'offer', sdp: 'v=0\r\n' } });
    expect(await p.client.nextOfType('signal')).to.deep.include({ gen: 1, data: { type: 'offer', sdp: 'v=0\r\n' } });
    p.client.send({ type: 'signal', gen: 1, data: { type: 'answer', sdp: 'v=0\r\n' } });
    expect(await d.client.nextOfType('signal')).to.deep.include({ data: { type: 'answer', sdp: 'v=0\r\n' } });
    await p.client.close();
    expect(await d.client.nextOfType('peer-left')).to.include({ side: 'patient' });
    await d.client.close();
  });
});

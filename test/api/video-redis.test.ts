import { redisRoomBus } from '../../server/video/room-bus.js';
import { startRedis } from '../support/redis-server.js';
import { describeOnEachDatabase } from '../support/test-node.js';
import { expectSignallingBetween, listeningNode, roomToken, SignalClient, videoVisit } from '../support/video.js';

describeOnEachDatabase('video rooms across two instances (Redis)', (hospital) => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let instanceA: Awaited<ReturnType<typeof listeningNode>>;
  let instanceB: Awaited<ReturnType<typeof listeningNode>>;
  before(async () => {
    redis = await startRedis();
    instanceA = await listeningNode(hospital(), { bus: redisRoomBus(redis.url, hospital().node.log) });
    // Instance B finds Redis the way production does: REDIS_URL in its configuration.
    const { node } = hospital();
    instanceB = await listeningNode(hospital(), { node: { ...node, config: { ...node.config, video: { ...node.config.video, redisUrl: redis.url } } } });
  });
  after(async () => {
    await instanceA.close();
    await instanceB.close();
    await instanceA.signalling.bus.close();
    await redis.stop();
  });

  it('when the patient is on instance A and the doctor on instance B, then the doctor sees them waiting, admits, and signals flow both ways', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital());
    const p = await SignalClient.join(instanceA.wsUrl, await roomToken(hospital(), appointmentId, patient.token));
    const d = await SignalClient.join(instanceB.wsUrl, await roomToken(hospital(), appointmentId, doctor.token));
    await expectSignallingBetween(p, d);
  });
});

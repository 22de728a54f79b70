import { stopHospitalOnCluster } from './hospital-on-cluster.js';

/** Mocha root hooks of the cluster suites: after the whole run, stop the instances, Redis and the cluster. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await stopHospitalOnCluster();
  },
};

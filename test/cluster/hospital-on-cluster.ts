import crypto from 'node:crypto';
import { openDatabase } from '../../db/connection.js';
import { buildApp } from '../../server/app.js';
import { startRedis } from '../support/redis-server.js';
import { startTestNodeOn, testConfig, type TestNode } from '../support/test-node.js';
import { listeningNode } from '../support/video.js';
import { GaleraCluster } from './galera.js';
import { RoundRobinProxy } from './round-robin-proxy.js';

/** One app instance of the hospital: its own Express app, pool and signalling, listening on 127.0.0.1. */
export interface ClusterInstance extends TestNode {
  name: 'A' | 'B';
  base: string;
  wsUrl: string;
  /** Its database connections go through this round-robin over the three nodes. */
  proxy: RoundRobinProxy;
}

/** The hospital as a deployment runs it: two stateless instances, one Redis, a 3-node Galera cluster. */
export interface HospitalOnCluster {
  cluster: GaleraCluster;
  database: string;
  instances: [ClusterInstance, ClusterInstance];
  /** The round-robin in front of the instances: request number `i` goes to instance `i % 2`. */
  instance(i: number): ClusterInstance;
  /** Transactions run again after a deadlock or a certification conflict, both instances together. */
  transactionRetries(): number;
  close(): Promise<void>;
}

async function startHospitalOnCluster(): Promise<HospitalOnCluster> {
  const cluster = await GaleraCluster.start();
  console.error(`    (Galera: 3 nodes Synced in ${cluster.startSeconds.toFixed(1)} s, MySQL ports ${cluster.ports.join(', ')})`);
  const closers: Array<() => Promise<unknown>> = [() => cluster.stop()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const database = `ih_cluster_${crypto.randomBytes(6).toString('hex')}`;
    await cluster.query(1, `CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const redis = await startRedis();
    closers.push(() => redis.stop());
    // Both instances count rate limits and carry video rooms in the same Redis, under this run's own prefix.
    const shared = (url: string) => {
      const base = testConfig(url);
      return {
        rateLimits: { ...base.rateLimits, redisUrl: redis.url, redisPrefix: `hospital-cluster-test:${database}:` },
        video: { ...base.video, redisUrl: redis.url },
      };
    };
    // Each instance's connections are spread over the three nodes, starting at a different one.
    const proxies = [await RoundRobinProxy.start(cluster.ports, 0), await RoundRobinProxy.start(cluster.ports, 1)];
    closers.push(() => Promise.all(proxies.map((proxy) => proxy.close())));

    const first = await startTestNodeOn('mysql', proxies[0].url(database), shared(proxies[0].url(database)));
    closers.push(() => first.db.close());
    const config = { ...first.config, databaseUrl: proxies[1].url(database) };
    const db = await openDatabase(config.databaseUrl, { transactionTimeoutMs: config.transactionTimeoutMs });
    closers.push(() => db.close());
    // The same signing keys, as every instance of a node has (KEYS_DIR on shared storage): a token from one is good on the other.
    const second: TestNode = { ...first, ...buildApp({ config, db, keys: first.node.keys }), db, config };

    const instances = [] as unknown as [ClusterInstance, ClusterInstance];
    for (const [i, testNode] of [first, second].entries()) {
      const listening = await listeningNode(testNode);
      closers.push(async () => { await listening.close(); await testNode.node.rateLimits.close(); });
      instances.push({ ...testNode, name: i === 0 ? 'A' : 'B', base: listening.base, wsUrl: listening.wsUrl, proxy: proxies[i] });
    }
    return {
      cluster, database, instances, close,
      instance: (i) => instances[i % 2],
      transactionRetries: () => instances.reduce((sum, one) => sum + one.db.activity().transactionRetries, 0),
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

let started: Promise<HospitalOnCluster> | undefined;

/** Stops what `describeOnCluster` started (test/cluster/hooks.ts, after the whole run). */
export async function stopHospitalOnCluster(): Promise<void> {
  const running = started;
  started = undefined;
  if (running) await (await running.catch(() => null))?.close();
}

/**
 * Declares a suite on the cluster, which the first suite starts and every suite shares. When this machine cannot
 * start it the suite is skipped with a line saying why, except under CI=true, where that is a failure.
 */
export function describeOnCluster(title: string, body: (hospital: () => HospitalOnCluster) => void): void {
  describe(`${title} [Galera: 3 nodes, 2 app instances, Redis]`, function () {
    this.timeout(300_000);
    let hospital: HospitalOnCluster | undefined;
    before(async function () {
      started ??= startHospitalOnCluster();
      try {
        hospital = await started;
      } catch (error) {
        if (process.env.CI) throw error;
        console.error(`\n  SKIPPING "${title}": the Galera cluster did not start (scripts/galera-cluster.sh): ${(error as Error).message}\n`);
        this.skip();
      }
    });
    body(() => {
      if (!hospital) throw new Error('the cluster is not started yet');
      return hospital;
    });
  });
}

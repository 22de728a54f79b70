import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const SCRIPT = fileURLToPath(new URL('../../scripts/galera-cluster.sh', import.meta.url));
export const NODES = [1, 2, 3] as const;
export type NodeNumber = (typeof NODES)[number];

const portFree = (port: number) => new Promise<boolean>((resolve) => {
  const probe = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
});

/** A base port whose twelve ports (scripts/galera-cluster.sh: BASE+1..3, +11..13, +21..23, +31..33) are all free. */
async function freeBasePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + 40 * Math.floor(Math.random() * 500);
    const ports = [1, 2, 3].flatMap((n) => [base + n, base + 10 + n, base + 20 + n, base + 30 + n]);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no free range of ports for the Galera cluster');
}

/**
 * The 3-node Galera cluster of scripts/galera-cluster.sh, in a folder and on ports of this run's own, so it never
 * meets the shared MariaDB on 3306 nor another run's cluster.
 */
export class GaleraCluster {
  /** Seconds the script took to start the three nodes and see wsrep_cluster_size=3. */
  startSeconds = 0;

  private constructor(readonly dir: string, readonly basePort: number) {}

  static async start(): Promise<GaleraCluster> {
    const cluster = new GaleraCluster(fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-galera-')), await freeBasePort());
    const started = Date.now();
    try {
      await cluster.script('start');
    } catch (error) {
      await cluster.stop().catch(() => undefined);
      throw error;
    }
    cluster.startSeconds = (Date.now() - started) / 1000;
    return cluster;
  }

  port(node: NodeNumber): number {
    return this.basePort + node;
  }

  get ports(): number[] {
    return NODES.map((n) => this.port(n));
  }

  async script(...args: string[]): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)('bash', [SCRIPT, ...args], {
        env: { ...process.env, GALERA_DIR: this.dir, GALERA_BASE_PORT: String(this.basePort) }, timeout: 300_000,
      });
      return stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`scripts/galera-cluster.sh ${args.join(' ')} failed: ${stderr || stdout || (error as Error).message}`, { cause: error });
    }
  }

  /** A connection straight to one node (not through the app), for the tests' own checks. */
  connect(node: NodeNumber, database?: string) {
    return mysql.createConnection({ host: '127.0.0.1', port: this.port(node), user: 'root', database, connectTimeout: 2_000 });
  }

  async query<T>(node: NodeNumber, sql: string, values: unknown[] = [], database?: string): Promise<T[]> {
    const conn = await this.connect(node, database);
    try {
      const [rows] = await conn.query(sql, values);
      return rows as T[];
    } finally {
      await conn.end();
    }
  }

  async status(node: NodeNumber, name: string): Promise<string> {
    const rows = await this.query<{ Value: string }>(node, 'SHOW GLOBAL STATUS LIKE ?', [name]);
    return rows[0]?.Value ?? '';
  }

  killNode(node: NodeNumber) { return this.script('kill-node', String(node)); }

  startNode(node: NodeNumber) { return this.script('start-node', String(node)); }

  async stop(): Promise<void> {
    await this.script('stop');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from '../support/free-port.js';

export const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/** Why this machine cannot run a private MariaDB server, or null when it can. */
export function privateMariaDbUnavailableReason(): string | null {
  const missing = [MARIADBD, INSTALL_DB].filter((file) => !fs.existsSync(file));
  return missing.length ? `${missing.join(' and ')} not found (Debian's mariadb-server package)` : null;
}

/**
 * A MariaDB server of the test's own: its own data folder, port, socket and pid file, so stopping it never
 * touches the shared server on 3306. `stop` and `start` keep the data folder (a restart); `remove` deletes it.
 */
export class PrivateMariaDb {
  private child: ChildProcess | null = null;

  private constructor(readonly dir: string, readonly port: number) {}

  static async create(): Promise<PrivateMariaDb> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hospital-mariadb-'));
    await promisify(execFile)(INSTALL_DB, [
      '--no-defaults', `--datadir=${path.join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ]);
    const server = new PrivateMariaDb(dir, await freePort());
    await server.start();
    return server;
  }

  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
    try {
      await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await conn.end();
    }
    return this.url(name);
  }

  /** Starts the server on its data folder and resolves once it accepts connections. */
  async start(): Promise<void> {
    const file = (name: string) => path.join(this.dir, name);
    this.child = spawn(MARIADBD, [
      '--no-defaults', `--datadir=${file('data')}`, `--port=${this.port}`, '--bind-address=127.0.0.1', `--socket=${file('mysqld.sock')}`,
      `--pid-file=${file('mysqld.pid')}`, `--log-error=${file('error.log')}`, '--skip-log-bin', '--innodb-buffer-pool-size=32M',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ], { stdio: 'ignore' });
    const child = this.child;
    for (let tries = 0; ; tries++) {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}: ${this.errorLog()}`);
      try {
        const conn = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 1_000 });
        await conn.end();
        return;
      } catch (error) {
        if (tries > 300) throw new Error(`mariadbd did not accept connections within 30 s: ${(error as Error).message}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** SIGTERM is a clean stop (as `systemctl stop` does); SIGKILL a crash. Resolves once the process has exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  errorLog(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'error.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no error log)';
    }
  }
}

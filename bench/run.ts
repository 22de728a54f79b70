/**
 * `npm run bench`: every bench/*.ts benchmark (except this file), each in its own process so one benchmark's heap
 * and open handles never colour the next, on SQLite and then, when MariaDB answers at BENCH_MYSQL_URL
 * (mysql://root@127.0.0.1:3306), on MariaDB, each benchmark on a fresh empty database there. Add a benchmark by
 * adding a file. `npm run bench -- fhir-vs` runs only the benchmarks whose file names start so.
 *
 * Each benchmark prints its figures (support/results.ts: `BENCH-FIGURE {…}`, `BENCH-RATIO {…}`); this collects
 * them with the benchmark's whole output and its peak RSS into bench/results/<date>-<dialect>.json and .md,
 * with the machine (cores, RAM, Node) and the command.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import type { Figure, Ratio } from './support/results.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(dir, 'results');
const only = process.argv.slice(2);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const benches = fs.readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => !only.length || only.some((name) => f.startsWith(name)))
  .sort();

interface BenchResult {
  bench: string; exitCode: number | null; seconds: number; peakRssMiB: number | null;
  figures: Figure[]; ratios: Ratio[]; output: string[];
}

/** Runs one benchmark, its output shown as it comes and kept; its peak RSS read by the preload below. */
function runBench(file: string, env: NodeJS.ProcessEnv): Promise<BenchResult> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', path.join(dir, 'support/peak-rss.ts'), path.join(dir, file)], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const result: BenchResult = { bench: file, exitCode: null, seconds: 0, peakRssMiB: null, figures: [], ratios: [], output: [] };
  let pending = '';
  const line = (text: string) => {
    if (text.startsWith('BENCH-FIGURE ')) result.figures.push(JSON.parse(text.slice(13)) as Figure);
    else if (text.startsWith('BENCH-RATIO ')) result.ratios.push(JSON.parse(text.slice(12)) as Ratio);
    else if (text.startsWith('BENCH-PEAK-RSS ')) result.peakRssMiB = Number(text.slice(15));
    else { result.output.push(text); console.log(text); }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    lines.forEach(line);
  });
  return new Promise((resolve) => child.on('close', (code) => {
    if (pending) line(pending);
    result.exitCode = code;
    result.seconds = Math.round((Date.now() - started) / 1000);
    resolve(result);
  }));
}

async function mysqlReachable(): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3_000 });
    await conn.end();
    return true;
  } catch {
    return false;
  }
}

/** A fresh empty MariaDB database for one benchmark, dropped after it. */
async function withMysqlDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const name = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const conn = await mysql.createConnection({ uri: MYSQL_URL });
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  try {
    return await work(`${MYSQL_URL.replace(/\/$/, '')}/${name}`);
  } finally {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.end();
  }
}

const machine = {
  cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', ramGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  node: process.version, platform: `${os.type()} ${os.release()}`, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
};
const command = `npm run bench${only.length ? ` -- ${only.join(' ')}` : ''}`;
const date = new Date().toISOString().slice(0, 10);
// BENCH_DATABASES=mysql (or sqlite) runs on one of them only.
const wanted = (process.env.BENCH_DATABASES ?? 'sqlite,mysql').split(',').map((d) => d.trim());
const dialects = [...(wanted.includes('sqlite') ? ['sqlite'] : []), ...(wanted.includes('mysql') && await mysqlReachable() ? ['mysql'] : [])];
if (wanted.includes('mysql') && !dialects.includes('mysql')) console.log(`MariaDB does not answer at ${MYSQL_URL}: SQLite only`);
fs.mkdirSync(resultsDir, { recursive: true });
let failed = 0;
for (const dialect of dialects) {
  const results: BenchResult[] = [];
  for (const file of benches) {
    console.log(`\n=== ${file} on ${dialect} ===`);
    // Each benchmark reads its own variable: BENCH_DATABASE_URL, DATABASE_URL (booking), BENCH_DB (prescriptions),
    // BENCH_DIALECTS (readings, which makes its own databases).
    const onDialect = (url: string) => runBench(file, {
      BENCH_DATABASE_URL: url, DATABASE_URL: url, BENCH_DB: dialect, BENCH_DIALECTS: dialect, BENCH_MYSQL_URL: MYSQL_URL,
    });
    const result = dialect === 'sqlite' ? await onDialect('') : await withMysqlDatabase(onDialect);
    if (result.exitCode !== 0) {
      failed++;
      console.error(`${file} failed on ${dialect} (exit ${result.exitCode})`);
    }
    results.push(result);
    // Written after every benchmark, so a run stopped half-way keeps what it measured.
    const resultsFile = path.join(resultsDir, `${date}-${dialect}`);
    fs.writeFileSync(`${resultsFile}.json`, `${JSON.stringify({ date: new Date().toISOString(), dialect, command, machine, results }, null, 2)}\n`);
    fs.writeFileSync(`${resultsFile}.md`, markdown(dialect, results));
    console.log(`(results so far: ${path.relative(process.cwd(), resultsFile)}.json and .md)`);
  }
}
process.exit(failed ? 1 : 0);

function markdown(dialect: string, results: BenchResult[]): string {
  const out = [`# \`${command}\` on ${dialect}, ${new Date().toISOString()}`, '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.ramGiB} GiB RAM, Node ${machine.node}, ${machine.platform}; load average at the start ${machine.loadAverage.join(' / ')}.`, ''];
  out.push('| benchmark | exit | wall time | peak RSS of the benchmark process |', '| --- | --- | --- | --- |');
  for (const r of results) out.push(`| ${r.bench} | ${r.exitCode} | ${r.seconds} s | ${r.peakRssMiB ?? '?'} MiB |`);
  for (const r of results.filter((x) => x.figures.length)) {
    out.push('', `## ${r.bench}`, '', '| case | server | req/s | p50 | p97.5 | p99 (ms) | non-2xx | errors | other | RSS / peak (MiB) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const f of r.figures) {
      out.push(`| ${f.case} | ${f.server} | ${f.requestsPerSecond ?? ''} | ${f.p50 ?? ''} | ${f.p97_5 ?? ''} | ${f.p99 ?? ''} | ${f.non2xx ?? ''} | ${f.errors ?? ''}`
        + ` | ${f.value !== undefined ? `${f.value} ${f.unit ?? ''}` : ''} | ${f.rssMiB !== undefined ? `${f.rssMiB} / ${f.peakRssMiB}` : ''} |`);
    }
    if (r.ratios.length) {
      out.push('', '| ratio | value | target | |', '| --- | --- | --- | --- |');
      for (const q of r.ratios) out.push(`| ${q.name} | ${q.value} | ${q.target} | ${q.meets ? 'met' : '**missed**'} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

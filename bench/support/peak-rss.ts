/**
 * Preloaded by bench/run.ts into every benchmark process: prints the process's peak RSS as it exits, for the
 * results table (a server a benchmark starts in a child process reports its own, support/child-server.ts).
 */
process.on('exit', () => {
  console.log(`BENCH-PEAK-RSS ${Math.round(process.resourceUsage().maxRSS / 1024)}`);
});

import { SqliteReader } from './sqlite-reader.js';

/**
 * Copies the writer's WAL back into the database file on a thread of its own, so that the event loop does not
 * wait for it. A checkpoint is mostly waiting on the disk: it writes the pages the WAL holds into the database
 * file and syncs it, and on this machine an fsync after 1,000 scattered pages takes about 22 ms (after one page,
 * 0.65 ms). Run by the writer after its commit, as SQLite does by default, that wait held every request: a create
 * stream's COMMIT took 1.6 ms at the median but 20–35 ms whenever it checkpointed (docs/architecture.md "Data").
 *
 * After each commit the writer calls `committed()`; a PASSIVE checkpoint (it waits for no reader or writer, and
 * they go on beside it) then runs on this thread, never two at once, once the commits since the last pass began
 * have written about FRAMES_PER_PASS pages to the WAL, as the last pass measured a commit (a group commit of reads'
 * audit rows is some 30 pages, one of a few creates some 140), or PASS_INTERVAL_MS after it began, whichever
 * is sooner; after a quiet spell a commit starts one at once. Each pass syncs the WAL and the database file: run
 * after every commit, as before, the audit rows of reads alone (about 90 commits a second) made 180 fsyncs a
 * second, and the kernel's work for them cost the reads more than a tenth of their rate (docs/performance.md
 * "Fewer checkpoint passes"). Few enough pages a pass keep the writer's own checkpoint, which runs on the event
 * loop, short when it comes.
 *
 * The writer keeps SQLite's own checkpoint as the backstop (db/sqlite-writer.ts `WRITER_CHECKPOINT_PAGES`): the WAL
 * starts over only when a write transaction begins with every frame copied back, so under a constant stream of
 * writes it is the writer's checkpoint, copying only the frames that came since this thread's last pass, that lets
 * it start over. Without that backstop (this thread alone, tried on 2026-12-01) the WAL of a long seed grew to 15 GB.
 */
export class WalCheckpoints {
  private readonly thread: SqliteReader;
  private running = false;
  /** Commits not yet covered by a pass that has begun. */
  private waiting = 0;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  /** WAL frames a commit has written lately (0: not measured yet), and the WAL's size at the last pass. */
  private framesPerCommit = 0;
  private lastWalFrames = 0;
  private closed = false;

  constructor(file: string) {
    // Busy timeout 0: a checkpoint that finds another one running (the writer's) gives way and comes back later.
    this.thread = new SqliteReader(file, 0);
  }

  /** A commit added frames to the WAL: they are copied back by the next pass, which starts when one is due. */
  committed(): void {
    if (this.closed) return;
    this.waiting++;
    this.passIfDue();
  }

  /** Commits whose frames make a pass: one until a pass has measured them. */
  private commitsPerPass(): number {
    if (this.framesPerCommit === 0) return 1;
    return Math.min(MAX_COMMITS_PER_PASS, Math.max(1, Math.round(FRAMES_PER_PASS / this.framesPerCommit)));
  }

  private passIfDue(): void {
    // Closed while a pass ran: no thread is started again for the commits that came meanwhile.
    if (this.closed || this.running || this.waiting === 0) return;
    const wait = this.startedAt + PASS_INTERVAL_MS - Date.now();
    if (this.waiting < this.commitsPerPass() && wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.passIfDue();
      }, wait).unref();
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    const commits = this.waiting;
    this.waiting = 0;
    this.startedAt = Date.now();
    // A failed pass (the file gone, the thread stopped) loses nothing: the frames stay in the WAL for the next one.
    this.thread.all('PRAGMA wal_checkpoint(PASSIVE)', [], (err, rows) => {
      this.running = false;
      const walFrames = Number((rows as Array<{ log?: number }>)[0]?.log);
      if (!err && walFrames >= 0) {
        // A WAL smaller than at the last pass has started over since: its frames all came after that pass.
        const added = walFrames >= this.lastWalFrames ? walFrames - this.lastWalFrames : walFrames;
        this.framesPerCommit = added / commits;
        this.lastWalFrames = walFrames;
      }
      this.passIfDue();
    });
  }

  close(callback?: (err: Error | null) => void): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.thread.close(callback);
  }
}

/**
 * The WAL frames (pages) a pass should find waiting: a pass syncs twice whatever it copies, and the writer's own
 * checkpoint at 1,000 pages (db/sqlite-writer.ts), which copies what the passes have not, runs on the event loop.
 */
const FRAMES_PER_PASS = 200;
/** However few pages the last pass measured a commit at (a WAL that started over between passes makes it too few). */
const MAX_COMMITS_PER_PASS = 16;
/** Or once this long has passed since the last pass began: a commit in a quiet spell is copied back within it. */
const PASS_INTERVAL_MS = 200;

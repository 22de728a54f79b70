import { SqliteReader } from './sqlite-reader.js';

/**
 * Copies the writer's WAL back into the database file on a thread of its own, so that the event loop does not
 * wait for it. A checkpoint is mostly waiting on the disk: it writes the pages the WAL holds into the database
 * file and syncs it, and on this machine an fsync after 1,000 scattered pages takes about 22 ms (after one page,
 * 0.65 ms). Run by the writer after its commit, as SQLite does by default, that wait held every request: a create
 * stream's COMMIT took 1.6 ms at the median but 20–35 ms whenever it checkpointed (docs/architecture.md "Data").
 *
 * After each commit the writer calls `committed()`; a PASSIVE checkpoint (it waits for no reader or writer, and
 * they go on beside it) then runs on this thread, and one more after it when commits came while it ran. The writer
 * keeps SQLite's own checkpoint as the backstop (db/sqlite-writer.ts `WRITER_CHECKPOINT_PAGES`): the WAL starts
 * over only when a write transaction begins with every frame copied back, so under a constant stream of writes
 * it is the writer's checkpoint, copying only the frames that came since this thread's last pass, that lets it
 * start over. Without that backstop (this thread alone, tried on 2026-12-01) the WAL of a long seed grew to 15 GB.
 */
export class WalCheckpoints {
  private readonly thread: SqliteReader;
  private running = false;
  private again = false;
  private closed = false;

  constructor(file: string) {
    // Busy timeout 0: a checkpoint that finds another one running (the writer's) gives way and comes back later.
    this.thread = new SqliteReader(file, 0);
  }

  /** A commit added frames to the WAL: copy them back, now or once the pass under way has finished. */
  committed(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    // A failed pass (the file gone, the thread stopped) loses nothing: the frames stay in the WAL for the next one.
    this.thread.all('PRAGMA wal_checkpoint(PASSIVE)', [], () => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.committed();
      }
    });
  }

  close(callback?: (err: Error | null) => void): void {
    this.closed = true;
    this.thread.close(callback);
  }
}

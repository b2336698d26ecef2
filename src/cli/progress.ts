/**
 * Progress of long work on stderr (count, rate, ETA), shown only when stderr is a terminal so that
 * pipes, files and CI logs stay clean; stdout is never touched.
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

/** cli-progress (a CommonJS package), loaded only when a bar is shown: it costs a command's start-up about as much as commander. */
const requireCjs = createRequire(import.meta.url);

/** Counts finished items; does nothing when progress is not shown. */
export interface ProgressReporter {
  /** Records `n` more finished items (default 1). */
  increment(n?: number): void;
  /** Changes the expected total (e.g. once a directory walk is done). */
  setTotal(total: number): void;
  /** Writes one line (a message, newline included) to the stream: at once, or once the bar is removed when one is shown. */
  note(line: string): void;
  /** Removes the bar; safe to call more than once. */
  stop(): void;
}

/**
 * A progress bar labelled `label` for `total` items on stderr when `stream.isTTY`, else a no-op reporter.
 * `stream` defaults to process.stderr (a parameter so callers can test the no-TTY case).
 */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { increment() {}, setTotal() {}, note: (line) => void stream.write(line), stop() {} };
  const cliProgress = requireCjs('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} files | {rate}/s | ETA {remaining}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = performance.now();
  let done = 0;
  let stopped = false;
  const notes: string[] = [];
  let all = total;
  /** Rate and remaining time so far; '…' until a file is done (no rate to go by yet). */
  const payload = (): { rate: string; remaining: string } => {
    const seconds = (performance.now() - startedAt) / 1000;
    const perSecond = seconds > 0 ? done / seconds : 0;
    return { rate: perSecond.toFixed(1), remaining: perSecond > 0 ? formatDuration(Math.max(0, all - done) / perSecond) : '…' };
  };
  bar.start(total, 0, payload());
  return {
    increment(n = 1) {
      if (stopped) return;
      done += n;
      bar.increment(n, payload());
    },
    setTotal(newTotal) {
      if (stopped) return;
      all = newTotal;
      bar.setTotal(newTotal);
    },
    note(line) {
      // held until the bar is removed: the bar restores the cursor to where it started, over any line
      // written in between
      if (stopped) stream.write(line);
      else notes.push(line);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
      for (const line of notes) stream.write(line);
    },
  };
}

/** A duration for people: 42s, 3m05s, 2h07m. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

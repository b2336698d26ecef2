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
      format: `${label} [{bar}] {value}/{total} files | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = performance.now();
  let done = 0;
  let stopped = false;
  const notes: string[] = [];
  const rate = (): string => {
    const seconds = (performance.now() - startedAt) / 1000;
    return seconds > 0 ? (done / seconds).toFixed(1) : '0.0';
  };
  bar.start(total, 0, { rate: '0.0' });
  return {
    increment(n = 1) {
      if (stopped) return;
      done += n;
      bar.increment(n, { rate: rate() });
    },
    setTotal(newTotal) {
      if (!stopped) bar.setTotal(newTotal);
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

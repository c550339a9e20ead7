/**
 * Progress of a long command on stderr, so stdout stays the result: a redrawn bar on a terminal, plain
 * lines otherwise (CI logs, pipes) — one per file acted on, and a heartbeat every few hundred files checked.
 */
import type { Output } from './output.js';

/** Receives one event per finished item. */
export interface Progress {
  /** `line` (e.g. "submitted videos/a.mp4") is printed as a line off a terminal; `quiet` items only count. */
  step(done: number, total: number, line: string, quiet?: boolean): void;
  /** Ends the bar (a terminal needs the final newline). */
  finish(): void;
}

const HEARTBEAT_EVERY = 250;
const REDRAW_MS = 80;

/** A bar when stderr is a terminal, lines otherwise. */
export function createProgress(output: Output, title: string): Progress {
  return output.stderrIsTTY ? barProgress(output, title) : lineProgress(output, title);
}

function lineProgress(output: Output, title: string): Progress {
  return {
    step(done, total, line, quiet = false) {
      if (!quiet) output.err(`${title}: [${done}/${total}] ${line}`);
      else if (done % HEARTBEAT_EVERY === 0) output.err(`${title}: [${done}/${total}] checked`);
    },
    finish() {},
  };
}

function barProgress(output: Output, title: string): Progress {
  let lastDraw = 0;
  let drawn = false;
  return {
    step(done, total, line) {
      const now = Date.now();
      if (done < total && now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      drawn = true;
      const width = Math.max(10, Math.min(40, output.columns - 40));
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const text = `${title} ${bar} ${done}/${total} ${line}`;
      output.rawErr(`\r\x1b[2K${text.slice(0, output.columns - 1)}`);
    },
    finish() {
      if (drawn) output.rawErr('\n');
    },
  };
}

/** `replay`'s progress on stderr: a bar redrawn in place on a terminal, words otherwise. */
import type { ReplayProgress } from '../replay/replay.js';

const count = new Intl.NumberFormat('en-US');
const MB = 1024 * 1024;
/** How often progress is printed when stderr is not a terminal. */
export const PROGRESS_LINE_EVERY_MS = 5000;

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Progress in words: lines, MB, lines/s, and for files of known size (`totalBytes` > 0,
 * never stdin) the share read and an ETA from the bytes read so far.
 */
export function progressText(p: ReplayProgress, totalBytes: number): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(p.lines / seconds) : 0;
  let text = `${p.file} (${p.fileIndex}/${p.files}): ${count.format(p.lines)} lines, ${(p.bytes / MB).toFixed(1)} MB, ${count.format(rate)} lines/s`;
  if (totalBytes > 0 && p.bytes > 0 && seconds > 0) {
    const eta = ((totalBytes - p.bytes) / p.bytes) * seconds;
    text += `, ${Math.min(100, Math.floor((p.bytes / totalBytes) * 100))}%, ETA ${clock(eta)}`;
  }
  return text;
}

/** The terminal bar: one line redrawn in place. */
export function progressBar(p: ReplayProgress, totalBytes: number): string {
  const width = 20;
  const share = totalBytes > 0 ? Math.min(1, p.bytes / totalBytes) : 0;
  const filled = Math.round(share * width);
  const bar = totalBytes > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
  return `\r\x1b[K${bar}${progressText(p, totalBytes)}`;
}

/**
 * RFC 3339 timestamps to epoch milliseconds without Date.parse, which is slow, and lenient
 * in ways a log replay must not be (it accepts "March 7" and local times). Replay reads
 * one per line, and consecutive lines share their date, so the date part is cached.
 *
 * Accepted: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, `T`/`Z` in either case or a
 * space for `T` (RFC 3339 5.6 note). A leap second (:60) counts as :59.999. A string of
 * digits alone is read as epoch milliseconds.
 */

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1000;
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

let cachedDate = '';
let cachedDayMs = 0;

/** Epoch ms of the date at s[from, from+10), or NaN. */
function dateMs(s: string, from: number): number {
  if (cachedDate !== '' && s.startsWith(cachedDate, from)) return cachedDayMs;
  if (s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 7) !== 45) return Number.NaN;
  const year = two(s, from) * 100 + two(s, from + 2);
  const month = two(s, from + 5);
  const day = two(s, from + 8);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  cachedDayMs = daysFromCivil(year, month, day) * 86_400_000;
  // A flat copy: a slice would keep the whole chunk of log text alive.
  cachedDate = `${year.toString().padStart(4, '0')}-${s.slice(from + 5, from + 7)}-${s.slice(from + 8, from + 10)}`;
  return cachedDayMs;
}

/** Epoch milliseconds of the timestamp at s[from, to), or NaN when it is not RFC 3339. */
export function parseRfc3339(s: string, from: number, to: number): number {
  if (to - from < 20) return allDigits(s, from, to);
  const day = dateMs(s, from);
  if (Number.isNaN(day)) return Number.NaN;
  const t = s.charCodeAt(from + 10);
  if (t !== 84 && t !== 116 && t !== 32) return Number.NaN;
  if (s.charCodeAt(from + 13) !== 58 || s.charCodeAt(from + 16) !== 58) return Number.NaN;
  const hour = two(s, from + 11);
  const minute = two(s, from + 14);
  let second = two(s, from + 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return Number.NaN;
  let ms = 0;
  let i = from + 19;
  if (s.charCodeAt(i) === 46) {
    i++;
    const fracStart = i;
    let scale = 100;
    while (i < to) {
      const d = digit(s, i);
      if (d < 0) break;
      ms += d * scale;
      scale /= 10;
      i++;
    }
    if (i === fracStart) return Number.NaN;
    ms = Math.floor(ms);
  }
  if (second === 60) {
    second = 59;
    ms = 999;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++;
  } else if (z === 43 || z === 45) {
    if (to - i !== 6 || s.charCodeAt(i + 3) !== 58) return Number.NaN;
    const oh = two(s, i + 1);
    const om = two(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    offsetMin = (oh * 60 + om) * (z === 45 ? -1 : 1);
    i += 6;
  } else {
    return Number.NaN;
  }
  if (i !== to) return Number.NaN;
  return day + ((hour * 60 + minute - offsetMin) * 60 + second) * 1000 + ms;
}

function allDigits(s: string, from: number, to: number): number {
  if (to <= from) return Number.NaN;
  for (let i = from; i < to; i++) if (digit(s, i) < 0) return Number.NaN;
  const ms = Number(s.slice(from, to));
  return ms >= 1e11 ? ms : Number.NaN;
}

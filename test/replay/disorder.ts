/**
 * How the spill tests' generated logs are out of order and what their lines answered:
 * lines a little early, lines days late for segments already spilled, and the statuses.
 */

/**
 * A line's time `ms` moved back, 3% of lines by 20 s and 2% by a whole number of days
 * below `lateDays`, and its status: 5% 500, 3% 404, the rest 200. Draws from `rng` in
 * that order, one draw more for a day-late line.
 */
export function disorder(rng: () => number, ms: number, lateDays: number): { ms: number; status: number } {
  const x = rng();
  if (x < 0.03) ms -= 20_000;
  else if (x < 0.05) ms -= Math.floor(rng() * lateDays) * 86_400_000;
  const y = rng();
  return { ms, status: y < 0.05 ? 500 : y < 0.08 ? 404 : 200 };
}

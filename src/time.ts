/** Lengths of time in milliseconds, shared by the recorder, the engine, the store and replay. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

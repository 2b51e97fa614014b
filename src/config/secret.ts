/**
 * A webhook secret. The value is reachable only through `reveal()`: JSON (pino's log
 * serialiser, `/v1/*` documents), `String()` and `util.inspect` all print a placeholder, so a
 * config object that ends up in a log line or an error message cannot leak it.
 */
import { inspect } from 'node:util';

const REDACTED = '[secret]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    Object.freeze(this);
  }

  /** The secret itself: only the signer calls this. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

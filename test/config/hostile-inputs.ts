/** Hostile configs shared by the loader's fuzz test and the CLI test that runs them under a small heap. */

export const HEAD = `upstream: http://127.0.0.1:9000
classes:
  transaction-critical: { availability: 99% }
categories:
  payment-request: { class: transaction-critical }
`;
// HEAD is 5 lines, so whatever follows starts on line 6.

/** Routes `r0…` written out in flow style, one per line. */
export function routeLines(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++)
    out += `  - { name: r${i}, method: GET, path: /r${i}, category: payment-request }\n`;
  return out;
}

/** Ten anchors, each a list of ten aliases of the one before: 10^10 values once expanded. */
export const BILLION_LAUGHS = `${HEAD}lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
${Array.from({ length: 9 }, (_, i) => `lol${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`).join('\n')}
routes:
${routeLines(0, 1)}`;

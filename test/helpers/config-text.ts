/** Config text that several tests' YAML starts with, so that each file writes only its own part. */

/**
 * The upstream a closed port, a 30-day period and one class, `critical`, at 99%
 * availability; `categories:` comes last, for the test's own categories to follow, indented.
 */
export const CRITICAL_30D_HEAD = `
upstream: http://127.0.0.1:9
period: 30d
classes:
  critical: { availability: 99% }
categories:
`;

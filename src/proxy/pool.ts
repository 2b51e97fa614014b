/**
 * undici's `Pool` without the rest of undici. The package entry point also loads fetch,
 * WebSocket, EventSource, the HTTP cache and the mock agent, which the sidecar never uses
 * and which cost ~7 MiB of resident memory in every sidecar (measured with a connection
 * open: 62 MiB importing 'undici', 55 MiB importing this module). undici publishes no
 * `exports` map, so the module is reachable by path; test/proxy/pool.test.ts checks that it
 * is the very class the package exports, so an upgrade that moves it fails the tests
 * instead of a deployment.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

const POOL_MODULE = 'undici/lib/dispatcher/pool.js';

export const Pool = require(POOL_MODULE) as typeof UndiciPool;
export type Pool = UndiciPool;

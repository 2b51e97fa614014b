/**
 * The JSON Schema of the YAML config: the shape of every key (types, required keys, no
 * unknown keys). Value syntaxes (durations, percentages, URLs, timestamps) and references
 * between sections (a route's category, an SLO's target) are checked by the resolver
 * (resolve*.ts), which can give a more precise hint than a schema pattern.
 *
 * This file and the section files under schema/ are the config reference: every key has a
 * comment saying what it means and its default. `x-hint` is our own annotation keyword: what
 * a valid value is, as a noun phrase ("an http or https origin such as ..."), shown as
 * "expected <hint>, not <value>".
 *
 * Here the top-level keys are put together; each section's schema lives in the schema/ file
 * of its concern (the imports below say which). The key order is the generated validator's
 * (schema-validator.ts): reordering keys rewrites that file.
 */
import type { SchemaObject } from 'ajv';
import { maintenance } from './schema/maintenance.js';
import { notify, webhooks } from './schema/notify.js';
import { downtime } from './schema/payments.js';
import { probes } from './schema/probes.js';
import { admin, listen, timeouts, upstream } from './schema/proxy.js';
import { categories, classes, routes } from './schema/routes.js';
import { alerting, fees, includeSynthetic, period, slos, timeslices, timeZone } from './schema/slos.js';
import { accessLog, dataDir, digestKey, retention } from './schema/storage.js';

export const configSchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['upstream'],
  properties: {
    upstream,
    listen,
    admin,
    downtime,
    timeouts,
    access_log: accessLog,
    data_dir: dataDir,
    digest_key: digestKey,
    classes,
    categories,
    routes,
    period,
    time_zone: timeZone,
    alerting,
    retention,
    fees,
    // Defaults for every timeslices SLO (see `timeslices` in schema/slos.ts).
    timeslices,
    slos,
    include_synthetic: includeSynthetic,
    probes,
    webhooks,
    notify,
    maintenance,
  },
};

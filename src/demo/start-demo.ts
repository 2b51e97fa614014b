/**
 * The demo's parts wired together, apart from the CLI's flags and banner so that a test can
 * run the same wiring on its own clock: the mock payment API, the sidecar in front of it
 * (its webhooks to the demo's webhook receiver, its `notify.email` to the demo's loopback
 * SMTP server), the traffic generator and the scripted incident.
 */
import { applyOverrides } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Sidecar } from '../sidecar.js';
import { type IncidentOptions, type Incidents, startIncidents } from './incident.js';
import { type DemoMailReceiver, startMailReceiver } from './mail-receiver.js';
import { type MockUpstream, startMockUpstream } from './mock-upstream.js';
import { startTraffic, type Traffic } from './traffic.js';
import { type DemoReceiver, startWebhookReceiver } from './webhook-receiver.js';

/** Background faults of the demo's mock between incidents. */
export const DEMO_FAULTS = { errorRate: 0.001, slowRate: 0.002 } as const;
const DEMO_MIN_REQUESTS = 30;

export interface DemoOptions {
  /** The route map (already loaded). */
  readonly base: ResolvedConfig;
  readonly listen: string;
  readonly admin: string;
  readonly accessLog: string;
  readonly dataDir: string;
  readonly rps: number;
  /** false: no scripted incident; otherwise its schedule (defaults: incident.ts). */
  readonly incident: false | Omit<IncidentOptions, 'mock' | 'method'>;
  /** Starts the sidecar (the CLI's quiet start-up log, or a test's). */
  readonly start: (config: ResolvedConfig, now: (() => number) | undefined) => Promise<Sidecar>;
  /** One line for the person watching: webhooks and emails received. */
  readonly print: (line: string) => void;
  readonly now?: () => number;
}

export interface Demo {
  readonly mock: MockUpstream;
  readonly sidecar: Sidecar;
  readonly hooks: DemoReceiver;
  /** The loopback SMTP server, or why email is off. */
  readonly mail: DemoMailReceiver | { readonly off: string };
  /** The sidecar mails the demo's receiver (false: email off, or the route map's own `notify.email`). */
  readonly mailsReceiver: boolean;
  readonly traffic: Traffic | undefined;
  readonly incident: Incidents | undefined;
  /** The payment method the incident fails (undefined: the route map reads none per request). */
  readonly failing: string | undefined;
  /** Stops traffic and incident; then closes the receivers (the sidecar is the caller's). */
  stopTraffic(): Promise<void>;
  closeReceivers(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const { base } = o;
  // A healthy API between incidents: faults well inside a 99% objective's budget (a tenth of
  // it for errors, a fifth for slow answers), so the flags stay down until the incident.
  const mock = await startMockUpstream({ routes: base.routes, host: '127.0.0.1', port: 0, ...DEMO_FAULTS });
  const hooks = await startWebhookReceiver(o.print, o.now);
  const mail = await startMailReceiver(o.print);
  const closeReceivers = () =>
    Promise.all([mock.close(), hooks.close(), 'close' in mail ? mail.close() : undefined]).then(() => {});
  let sidecar: Sidecar;
  let mailsReceiver = false;
  try {
    const overridden = applyOverrides(base, {
      upstream: mock.url,
      listen: o.listen,
      admin: o.admin,
      accessLog: o.accessLog,
      dataDir: o.dataDir,
    });
    mailsReceiver = overridden.email === undefined && 'email' in mail;
    const config: ResolvedConfig = {
      ...overridden,
      webhooks: [...overridden.webhooks, hooks.endpoint],
      // The route map's own `notify.email` wins: the demo only fills in a missing one.
      email: overridden.email ?? ('email' in mail ? mail.email : undefined),
      // The demo starts with empty windows and its traffic spreads over ~30 routes: a flag
      // waits for DEMO_MIN_REQUESTS in its windows, so a lone early error does not raise one.
      alerting: {
        ...overridden.alerting,
        minRequests: Math.max(overridden.alerting.minRequests, DEMO_MIN_REQUESTS),
      },
    };
    sidecar = await o.start(config, o.now);
  } catch (err) {
    await closeReceivers();
    throw err;
  }
  const proxyUrl = `http://${sidecar.proxyAddress.host}:${sidecar.proxyAddress.port}`;
  const traffic = o.rps > 0 ? startTraffic({ target: proxyUrl, routes: base.routes, rps: o.rps }) : undefined;
  // The incident fails one value of the first route that reads the method per request.
  const choices = base.routes.find((r) => r.payment?.methodFrom)?.payment?.methodFrom?.values ?? [];
  const failing = choices.includes('pay_later') ? 'pay_later' : choices.at(-1);
  const incident =
    failing !== undefined && traffic !== undefined && o.incident !== false
      ? startIncidents({ ...o.incident, mock, method: failing })
      : undefined;
  return {
    mock,
    sidecar,
    hooks,
    mail,
    mailsReceiver,
    traffic,
    incident,
    failing,
    async stopTraffic() {
      incident?.stop();
      await traffic?.stop();
    },
    closeReceivers,
  };
}

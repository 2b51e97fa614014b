/**
 * The programmatic API, named export by named export (no `export *`): what embedders and
 * tests may rely on. Everything else under src/ is internal and may change.
 */

export { applyOverrides, loadConfigFile, parseConfig } from './config/load.js';
export type {
  Category,
  Instrument,
  LatencyObjective,
  MaintenanceWindow,
  PaymentSpec,
  ResolvedConfig,
  ResolvedRoute,
  ServiceClass,
  SloDefinition,
  TimesliceRules,
} from './config/types.js';
export type { DowntimeEntity, DowntimeSeverity, DowntimeStatus } from './downtime/entity.js';
export {
  ConfigError,
  ConfigErrors,
  DowntimeInputError,
  ErrorCodes,
  PrometheusError,
  SloprobeError,
  StoreError,
  UsageError,
} from './errors.js';
export { prometheusReport } from './fleet/prometheus-report.js';
export type { EventSink, OutboxEvent } from './notify/event.js';
export type { ProxyOptions } from './proxy/options.js';
export { ProxyServer, type Routing } from './proxy/server.js';
export { RouteTable } from './routing/route-table.js';
export { type RulesFormat, type RulesOptions, renderRules, ruleGroups } from './rules/generate.js';
export { type Matcher, parseSelector } from './rules/selector.js';
export { type ListenAddress, type Sidecar, type SidecarOptions, startSidecar } from './sidecar.js';
export { SloEngine } from './slo/engine.js';
export { type MaintenanceVerdict, validateMaintenance } from './slo/maintenance.js';
export { buildMonthlyReport, type MonthlyReport, serviceCredit } from './slo/report.js';
export { renderReportText, reportJson } from './slo/report-render.js';
export type { FlagTransition, SloStatus } from './slo/status.js';
export { registerStatusRoutes, type StatusRoutesOptions } from './status/service.js';
export {
  configSources,
  type DowntimeUpdate,
  type DowntimeView,
  type StatusSources,
} from './status/sources.js';
export { classify } from './telemetry/classify.js';
export type { Observation, ObservationSink, Outcome, UpstreamErrorReason } from './telemetry/observation.js';
export { Recorder } from './telemetry/recorder.js';
export type { MinuteRollup } from './telemetry/rollup.js';
export { VERSION } from './version.js';

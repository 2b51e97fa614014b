/** `report --prometheus URL`: the fleet's report (src/fleet/prometheus-report.ts), printed like `report`'s. */
import type { ResolvedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { prometheusReport } from '../fleet/prometheus-report.js';
import { parseSelector } from '../rules/selector.js';
import { renderReportText, reportJson } from '../slo/report-render.js';
import type { CliIo, Format } from './args.js';

export async function fleetReport(
  cfg: ResolvedConfig,
  url: string,
  month: string,
  format: Format,
  selector: string | undefined,
  now: number,
  io: CliIo,
): Promise<number> {
  if (format === 'html')
    throw new UsageError('--format html reads the store; with --prometheus use text or json');
  const report = await prometheusReport(cfg, url, month, parseSelector(selector), now);
  io.stdout.write(format === 'json' ? `${JSON.stringify(reportJson(report))}\n` : renderReportText(report));
  return 0;
}

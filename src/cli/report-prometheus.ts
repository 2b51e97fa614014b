/** `report --prometheus URL`: the fleet's report (src/fleet/prometheus-report.ts), printed like `report`'s. */
import type { ResolvedConfig } from '../config/types.js';
import { prometheusReport } from '../fleet/prometheus-report.js';
import { type CliIo, type Format, fail } from '../replay/cli.js';
import { parseSelector } from '../rules/selector.js';
import { renderReportText, reportJson } from '../slo/report-render.js';

export async function fleetReport(
  cfg: ResolvedConfig,
  url: string,
  month: string,
  format: Format,
  selector: string | undefined,
  now: number,
  io: CliIo,
): Promise<number> {
  try {
    const report = await prometheusReport(cfg, url, month, parseSelector(selector), now);
    io.stdout.write(format === 'json' ? `${JSON.stringify(reportJson(report))}\n` : renderReportText(report));
    return 0;
  } catch (err) {
    return fail('report', err, io);
  }
}

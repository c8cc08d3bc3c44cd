import { Command, Option } from 'commander';
import type { OptionValues } from 'commander';

import { ALERT_STATUSES } from '../domain/alert.js';
import { renderTimeline } from './alert-timeline-text.js';
import type { CliBackends, CommandIo } from './cli-context.js';
import { numberOption, serverConnectionOf, stringOption } from './cli-context.js';
import { integer } from './dlq-commands.js';
import { fingerprintArgument } from './id-arguments.js';
import { cell, json, pick, renderTable } from './output.js';

/** The alerts list and one alert's timeline, from the running server (docs/cli.md). */
export function alertsCommand(io: CommandIo, backends: CliBackends): Command {
  const alerts = new Command('alerts').description(
    'alerts the server recorded, and what happened to one of them',
  );
  alerts
    .command('show')
    .description(
      'one alert per target: its jobs in order with their attempts, supersessions, dead letters and replays',
    )
    .argument('<fingerprint>', "the alert's fingerprint (16 hex digits)", fingerprintArgument)
    .action(async (fingerprint: string, _options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const timeline = await connection.api.get(
        `/api/v2/publishing/alerts/${encodeURIComponent(fingerprint)}`,
      );
      io.out(connection.json ? json(timeline) : renderTimeline(timeline));
    });
  alerts
    .command('list')
    .description('the most recently recorded alerts, newest first')
    .option('--alertname <name>')
    .option('--target <name>')
    .addOption(new Option('--state <state>', 'newest state on some target').choices(ALERT_STATUSES))
    .option('--limit <n>', 'at most (max 1000)', integer(1, 1000), 100)
    .action(async (options: OptionValues, command: Command) => {
      const connection = await serverConnectionOf(command.optsWithGlobals(), io, backends);
      const result = await connection.api.get('/api/v2/publishing/alerts', {
        alertname: stringOption(options, 'alertname'),
        target: stringOption(options, 'target'),
        state: stringOption(options, 'state'),
        limit: numberOption(options, 'limit', 100),
      });
      if (connection.json) return io.out(json(result));
      const listed = pick(result, 'alerts');
      const rows = (Array.isArray(listed) ? listed : []).map((alert: unknown) => {
        const targets = pick(alert, 'targets');
        return {
          alertname: pick(alert, 'alertname'),
          fingerprint: pick(alert, 'fingerprint'),
          status: pick(alert, 'status'),
          targets: (Array.isArray(targets) ? targets : [])
            .map((t: unknown) => `${cell(pick(t, 'target'))}:${cell(pick(t, 'status'))}`)
            .join(','),
          updated_at: pick(alert, 'updated_at'),
        };
      });
      io.out(
        renderTable(rows, [
          { header: 'alertname', path: 'alertname' },
          { header: 'fingerprint', path: 'fingerprint' },
          { header: 'status', path: 'status' },
          { header: 'targets', path: 'targets' },
          { header: 'updated_at', path: 'updated_at' },
        ]),
      );
    });
  return alerts;
}

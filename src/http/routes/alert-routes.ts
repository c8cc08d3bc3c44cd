import type { FastifyInstance } from 'fastify';

import type { AlertStatus } from '../../domain/alert.js';
import { AppError } from '../../domain/errors.js';
import type { AlertListFilter } from '../../history/alert-list.js';
import { alertSummaryView, alertTimelineView } from '../alert-views.js';
import type { ServerDeps } from '../ports.js';
import { alertsQuery, fingerprintParams } from '../schemas.js';

interface AlertsQuery {
  alertname?: string;
  target?: string;
  state?: AlertStatus;
  limit: number;
}

const BASE = '/api/v2/publishing/alerts';

/** The most recent alerts, and one alert's timeline (docs/api.md, "Alert timeline"). */
export function registerAlertRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Querystring: AlertsQuery }>(
    BASE,
    { schema: { querystring: alertsQuery } },
    async (request) => {
      const { alertname, target, state, limit } = request.query;
      const filter: AlertListFilter = { limit };
      if (alertname !== undefined) filter.alertname = alertname;
      if (target !== undefined) filter.target = target;
      if (state !== undefined) filter.status = state;
      const alerts = (await deps.alerts.list(filter)).map(alertSummaryView);
      return { alerts, count: alerts.length, limit };
    },
  );

  app.get<{ Params: { fingerprint: string } }>(
    `${BASE}/:fingerprint`,
    { schema: { params: fingerprintParams } },
    async (request) => {
      const { fingerprint } = request.params;
      const timeline = await deps.alerts.timeline(fingerprint);
      if (timeline === undefined) {
        throw new AppError(
          'not_found',
          `no job, dead letter or recorded state knows alert ${fingerprint}`,
        );
      }
      return alertTimelineView(timeline);
    },
  );
}

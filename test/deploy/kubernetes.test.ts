import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parse, parseAllDocuments } from 'yaml';

import { CONFIG_PATH_VARIABLE, ENV_OVERRIDES, parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { parseDockerfile } from '../support/dockerfile.js';
import { TemplateFailure } from '../support/go-template-parse.js';
import type { Manifest } from '../support/helm-chart.js';
import { chartValues, renderChart } from '../support/helm-chart.js';
import { createFakeDeps } from '../support/service-fakes.js';
import type { RunningServer } from '../support/service-http.js';
import { call, startServer } from '../support/service-http.js';
import { runTool, toolSkip } from '../support/tools.js';

/**
 * The Helm chart (rendered by test/support/go-template.ts, no helm binary here) and the plain
 * manifests under deploy/kubernetes: the same Deployment, probes on paths the server answers,
 * a grace period longer than the drain, only environment variables the service reads, /data
 * where the image keeps its data, and more than one replica only in durable mode with PostgreSQL.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm', 'alert-publisher');
const BASE = join(ROOT, 'deploy', 'kubernetes', 'base');
const DURABLE = join(ROOT, 'deploy', 'kubernetes', 'durable');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  env: EnvVar[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
  volumeMounts: { name: string; mountPath: string }[];
  securityContext: Record<string, unknown>;
  resources: Record<string, unknown>;
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsUser: number; runAsNonRoot: boolean };
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; persistentVolumeClaim?: unknown }[];
}
interface Deployment extends Manifest {
  spec: { replicas: number; strategy: { type: string }; template: { spec: PodSpec } };
}

function documentsOf(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Manifest);
}

function containerOf(deployment: Deployment): Container {
  const [container] = deployment.spec.template.spec.containers;
  assert.ok(container !== undefined);
  return container;
}

/** The image's ENV (Dockerfile runtime stage). */
function imageEnv(): Record<string, string> {
  const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
  const env: Record<string, string> = {};
  for (const { rest } of runtime.filter((i) => i.keyword === 'ENV'))
    for (const [, key = '', value = ''] of rest.matchAll(/(\w+)=(\S+)/g)) env[key] = value;
  return env;
}

/** Secret references get a placeholder (URL-shaped, for URL keys): the config must load. */
function envOf(container: Container): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv() };
  for (const variable of container.env) {
    env[variable.name] =
      variable.value ??
      (variable.name === 'DATABASE_URL'
        ? 'postgres://u:p@postgres:5432/ap'
        : 'https://from-a-secret.invalid/');
  }
  return env;
}

/** Asserts what every Deployment here must hold; `configText` is the mounted file. */
function checkDeployment(deployment: Deployment, configText: string): Config {
  const pod = deployment.spec.template.spec;
  const container = containerOf(deployment);
  const env = envOf(container);
  const config = parseConfig(configText, { env, source: 'the ConfigMap' });

  // Only variables the service reads: overrides, the config path, ${VAR} of the config.
  const read = new Set<string>([CONFIG_PATH_VARIABLE, ...ENV_OVERRIDES.map((o) => o.variable)]);
  for (const [, name = ''] of configText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) read.add(name);
  for (const variable of container.env) assert.ok(read.has(variable.name), variable.name);

  // The config file is the ConfigMap's key, mounted where ALERT_PUBLISHER_CONFIG points.
  const path = env[CONFIG_PATH_VARIABLE] ?? '';
  const configVolume = pod.volumes.find((v) => v.configMap !== undefined);
  const configMount = container.volumeMounts.find((m) => m.name === configVolume?.name);
  assert.equal(path, `${configMount?.mountPath ?? '?'}/alert-publisher.yaml`);

  // Data where the service keeps it (the image's ALERT_PUBLISHER_DATA_DIR) is the data volume.
  const dataMount = container.volumeMounts.find((m) => m.name === 'data');
  assert.equal(config.storage.data_dir, dataMount?.mountPath);

  assert.deepEqual(container.ports, [{ name: 'http', containerPort: config.server.port }]);
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.startupProbe.httpGet.path, '/healthz');
  for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe])
    assert.equal(probe.httpGet.port, 'http');

  // Kubernetes waits preStop, then SIGTERM: the drain must fit in what is left.
  const [sleep, seconds] = container.lifecycle.preStop.exec.command;
  assert.equal(sleep, 'sleep');
  // Stop returns within shutdown_timeout + 2 × shutdown_flush_timeout (docs/how-it-works.md).
  const drainSeconds = (config.shutdown_timeout + 2 * config.shutdown_flush_timeout) / 1000;
  assert.ok(
    pod.terminationGracePeriodSeconds > Number(seconds) + drainSeconds,
    `grace ${pod.terminationGracePeriodSeconds}s > ${seconds}s + ${drainSeconds}s`,
  );

  // The image's user "node" (uid 1000), never root.
  assert.equal(pod.securityContext.runAsUser, 1000);
  assert.equal(pod.securityContext.runAsNonRoot, true);

  const embedded = config.storage.database_url === '';
  if (deployment.spec.replicas > 1) {
    assert.equal(config.queue.mode, 'durable');
    assert.equal(embedded, false);
  }
  // Two processes must never open one embedded database, not even during a rollout, and a
  // volume claim attaches to one pod.
  const data = pod.volumes.find((v) => v.name === 'data');
  if (embedded || data?.persistentVolumeClaim !== undefined)
    assert.equal(deployment.spec.strategy.type, 'Recreate');
  return config;
}

function configMapText(manifest: Manifest): string {
  const data = manifest['data'] as Record<string, string>;
  return data['alert-publisher.yaml'] ?? '';
}

describe('the probe paths', () => {
  let running: RunningServer;
  before(async () => {
    running = await startServer(createFakeDeps());
  });
  after(() => running.close());

  it('are answered by the server', async () => {
    for (const path of ['/readyz', '/healthz'])
      assert.equal((await call(running.url, 'GET', path)).status, 200, path);
  });
});

describe('the Helm chart', () => {
  it('renders its defaults: one replica, embedded database on a volume claim', () => {
    const chart = renderChart(CHART);
    const deployment = chart.one('Deployment') as Deployment;
    const config = checkDeployment(deployment, configMapText(chart.one('ConfigMap')));
    assert.equal(config.queue.mode, 'memory');
    // preStop 5 + shutdown_timeout 30 + 2 × shutdown_flush_timeout 5 + 10.
    assert.equal(deployment.spec.template.spec.terminationGracePeriodSeconds, 55);
    const pvc = chart.one('PersistentVolumeClaim');
    const data = deployment.spec.template.spec.volumes.find((v) => v.name === 'data');
    assert.deepEqual(data?.persistentVolumeClaim, { claimName: pvc.metadata.name });
    assert.deepEqual(chart.manifests.map((m) => m.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'PersistentVolumeClaim',
      'PodDisruptionBudget',
      'Service',
    ]);
    const service = chart.one('Service') as Manifest & { spec: { ports: unknown[] } };
    assert.deepEqual(service.spec.ports, [{ name: 'http', port: 8080, targetPort: 'http' }]);
    assert.match(chart.notes, /url: http:\/\/alert-publisher\.monitoring\.svc:8080\/webhook/);
  });

  it('runs several replicas in durable mode on PostgreSQL, with secrets as references', () => {
    const chart = renderChart(CHART, {
      replicaCount: 3,
      config: {
        queue: { mode: 'durable' },
        targets: [{ name: 'chat', type: 'slack', url: '${SLACK_URL}' }],
      },
      database: { existingSecret: 'ap-db' },
      apiToken: { existingSecret: 'ap-tokens' },
      secretEnv: [{ name: 'SLACK_URL', secret: 'ap-targets', key: 'slack' }],
      serviceMonitor: { enabled: true },
    });
    const deployment = chart.one('Deployment') as Deployment;
    const config = checkDeployment(deployment, configMapText(chart.one('ConfigMap')));
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.strategy.type, 'RollingUpdate');
    assert.equal(config.targets[0]?.name, 'chat');
    assert.deepEqual(
      containerOf(deployment).env.map((e) => [e.name, e.valueFrom?.secretKeyRef.name]),
      [
        ['ALERT_PUBLISHER_CONFIG', undefined],
        ['DATABASE_URL', 'ap-db'],
        ['ALERT_PUBLISHER_API_TOKEN', 'ap-tokens'],
        ['SLACK_URL', 'ap-targets'],
      ],
    );
    assert.ok(!chart.manifests.some((m) => m.kind === 'PersistentVolumeClaim'));
    const monitor = chart.one('ServiceMonitor') as Manifest & { spec: { endpoints: unknown[] } };
    assert.deepEqual(monitor.spec.endpoints, [{ port: 'http', path: '/metrics', interval: '30s' }]);
  });

  it('keeps memory mode’s DLQ journal on a claim when PostgreSQL holds the DLQ', () => {
    const chart = renderChart(CHART, { database: { existingSecret: 'ap-db' } });
    const deployment = chart.one('Deployment') as Deployment;
    checkDeployment(deployment, configMapText(chart.one('ConfigMap')));
    assert.equal(deployment.spec.strategy.type, 'Recreate');
    assert.equal(chart.one('PersistentVolumeClaim').metadata.name, 'alert-publisher');
  });

  it('refuses more than one replica without durable mode and PostgreSQL', () => {
    assert.throws(
      () => renderChart(CHART, { replicaCount: 2, database: { existingSecret: 'ap-db' } }),
      (error: unknown) =>
        error instanceof TemplateFailure &&
        /needs config\.queue\.mode: durable/.test(error.message),
    );
    assert.throws(
      () => renderChart(CHART, { replicaCount: 2, config: { queue: { mode: 'durable' } } }),
      (error: unknown) =>
        error instanceof TemplateFailure && /needs PostgreSQL/.test(error.message),
    );
  });

  it('refuses a grace period the drain does not fit in, and sizes it from the config', () => {
    assert.throws(
      () => renderChart(CHART, { terminationGracePeriodSeconds: 40 }),
      (error: unknown) =>
        error instanceof TemplateFailure && /must exceed .* \(45\)/.test(error.message),
    );
    const longer = renderChart(CHART, {
      config: { shutdown_timeout: '2m', shutdown_flush_timeout: '1500ms' },
    });
    const deployment = longer.one('Deployment') as Deployment;
    assert.equal(deployment.spec.template.spec.terminationGracePeriodSeconds, 5 + 120 + 2 * 2 + 10);
    assert.throws(
      () => renderChart(CHART, { config: { shutdown_timeout: '1m30s' } }),
      (error: unknown) =>
        error instanceof TemplateFailure && /cannot read the duration/.test(error.message),
    );
  });

  it('uses only values that values.yaml declares', () => {
    const values = chartValues(CHART);
    const templates = readdirSync(join(CHART, 'templates'))
      .map((name) => readFileSync(join(CHART, 'templates', name), 'utf8'))
      .join('\n');
    for (const [, path = ''] of templates.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
      const keys = path.split('.');
      // Below config: the service's own keys, optional in values.yaml.
      const declared = keys[0] === 'config' ? ['config'] : keys;
      let node: unknown = values;
      for (const key of declared) {
        assert.ok(typeof node === 'object' && node !== null && key in node, `.Values.${path}`);
        node = (node as Record<string, unknown>)[key];
      }
    }
  });
});

describe('the plain manifests (deploy/kubernetes)', () => {
  const kustomization = parse(readFileSync(join(BASE, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  const base = kustomization.resources.flatMap((file) => documentsOf(join(BASE, file)));
  const deployment = base.find((m) => m.kind === 'Deployment') as Deployment;
  const configText = readFileSync(join(BASE, 'alert-publisher.yaml'), 'utf8');

  it('hold the Deployment, Service, volume claim and disruption budget', () => {
    assert.deepEqual(
      base.map((m) => m.kind),
      ['Deployment', 'Service', 'PersistentVolumeClaim', 'PodDisruptionBudget'],
    );
    checkDeployment(deployment, configText);
  });

  it('match the chart’s defaults', () => {
    const chart = renderChart(CHART);
    const rendered = chart.one('Deployment') as Deployment;
    const { containers: chartContainers, ...chartPod } = rendered.spec.template.spec;
    const { containers, ...pod } = deployment.spec.template.spec;
    const { image: chartImage, ...chartContainer } = chartContainers[0] as Container & {
      image: string;
    };
    const { image, ...container } = containers[0] as Container & { image: string };
    assert.equal(image, chartImage);
    assert.deepEqual(container, chartContainer);
    assert.deepEqual(pod, chartPod);
    assert.deepEqual(deployment.spec.strategy, rendered.spec.strategy);
    assert.deepEqual(parse(configText), parse(configMapText(chart.one('ConfigMap'))));
    for (const kind of ['Service', 'PersistentVolumeClaim', 'PodDisruptionBudget'])
      assert.deepEqual(base.find((m) => m.kind === kind)?.['spec'], chart.one(kind)['spec'], kind);
  });

  it('have a durable overlay for several replicas on PostgreSQL', () => {
    const patch = documentsOf(join(DURABLE, 'deployment-patch.yaml'))[0] as Deployment;
    const durableConfig = readFileSync(join(DURABLE, 'alert-publisher.yaml'), 'utf8');
    const env = containerOf(patch).env;
    assert.deepEqual(
      env.map((e) => e.name),
      ['DATABASE_URL'],
    );
    // The patch as kustomize applies it: env and volumes merged by name, null deletes a key.
    const patchedVolumes = new Map(patch.spec.template.spec.volumes.map((v) => [v.name, v]));
    const volumes = deployment.spec.template.spec.volumes.map((volume) => {
      const change = patchedVolumes.get(volume.name);
      if (change === undefined) return volume;
      return Object.fromEntries(
        Object.entries({ ...volume, ...change }).filter(([, value]) => value !== null),
      ) as PodSpec['volumes'][number];
    });
    const merged = {
      ...deployment,
      spec: {
        ...deployment.spec,
        replicas: patch.spec.replicas,
        strategy: patch.spec.strategy,
        template: {
          spec: {
            ...deployment.spec.template.spec,
            volumes,
            containers: [
              { ...containerOf(deployment), env: [...env, ...containerOf(deployment).env] },
            ],
          },
        },
      },
    };
    const config = checkDeployment(merged, durableConfig);
    assert.equal(config.queue.mode, 'durable');
  });

  describe('built by kustomize', { skip: toolSkip('kubectl', 'kubernetes-client') }, () => {
    it('render both variants, the durable one without a claim and with DATABASE_URL', () => {
      const single = runTool('kubectl', ['kustomize', BASE]);
      assert.equal(single.status, 0, single.output);
      const durable = runTool('kubectl', ['kustomize', DURABLE]);
      assert.equal(durable.status, 0, durable.output);
      const manifests = parseAllDocuments(durable.output).map((d) => d.toJS() as Manifest);
      assert.ok(!manifests.some((m) => m.kind === 'PersistentVolumeClaim'));
      const rendered = manifests.find((m) => m.kind === 'Deployment') as Deployment;
      const configMap = manifests.find((m) => m.kind === 'ConfigMap');
      assert.ok(configMap !== undefined);
      checkDeployment(rendered, configMapText(configMap));
      assert.equal(rendered.spec.replicas, 2);
    });
  });
});

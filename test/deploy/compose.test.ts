import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parse } from 'yaml';

import { parseDurationMs } from '../../src/domain/duration-text.js';
import { parseConfig } from '../../src/config/load-config.js';
import { runTool, toolSkip } from '../support/tools.js';

/**
 * docker-compose.yml, the demo stack, as far as it can be checked without Docker: the files
 * it mounts exist, alert-publisher's config loads with the stack's environment, Alertmanager
 * reaches the service by name, Prometheus scrapes it and loads the rules, and each tool
 * accepts its config (amtool, promtool).
 */
const ROOT = join(import.meta.dirname, '..', '..');

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

function service(name: string): Service {
  const found = compose.services[name];
  assert.ok(found !== undefined, `service ${name}`);
  return found;
}

/** Bind mounts of a service: container path → file in the repository. */
function mounts(name: string): Map<string, string> {
  const binds = new Map<string, string>();
  for (const volume of service(name).volumes ?? []) {
    const [source = '', target = ''] = volume.split(':');
    if (source.startsWith('./')) binds.set(target, join(ROOT, source));
  }
  return binds;
}

function mountedFile(name: string, containerPath: string): string {
  const file = mounts(name).get(containerPath);
  assert.ok(file !== undefined, `${name} mounts ${containerPath}`);
  return file;
}

const publisher = service('alert-publisher');
const env = publisher.environment ?? {};
const config = parseConfig(
  readFileSync(mountedFile('alert-publisher', env['ALERT_PUBLISHER_CONFIG'] ?? ''), 'utf8'),
  { env, source: 'deploy/compose/alert-publisher.yaml' },
);

describe('the demo stack (docker-compose.yml)', () => {
  it('mounts only files that exist', () => {
    for (const name of Object.keys(compose.services))
      for (const [target, file] of mounts(name)) assert.ok(existsSync(file), `${name}: ${target}`);
  });

  it('runs the Dockerfile’s image in durable mode on the stack’s PostgreSQL', () => {
    assert.equal(publisher.build, '.');
    assert.equal(config.queue.mode, 'durable');
    const database = new URL(config.storage.database_url);
    const postgres = service('postgres').environment ?? {};
    assert.equal(database.hostname, 'postgres');
    assert.equal(database.username, postgres['POSTGRES_USER']);
    assert.equal(database.password, postgres['POSTGRES_PASSWORD']);
    assert.equal(database.pathname, `/${postgres['POSTGRES_DB'] ?? ''}`);
    assert.deepEqual(publisher.ports, [`${config.server.port}:${config.server.port}`]);
  });

  it('gives a stop more time than shutdown_timeout + shutdown_flush_timeout', () => {
    const graceMs = parseDurationMs(publisher.stop_grace_period ?? '10s') ?? 0;
    assert.ok(graceMs > config.shutdown_timeout + config.shutdown_flush_timeout);
  });

  it('has Alertmanager post to the service by name, once', () => {
    const alertmanager = parse(
      readFileSync(mountedFile('alertmanager', '/etc/alertmanager/alertmanager.yml'), 'utf8'),
    ) as { receivers: { webhook_configs?: { url: string }[] }[] };
    const urls = alertmanager.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => w.url));
    assert.deepEqual(urls, [`http://alert-publisher:${config.server.port}/webhook`]);
  });

  it('has Prometheus scrape the service under a job the rules recognise', () => {
    const prometheus = parse(
      readFileSync(mountedFile('prometheus', '/etc/prometheus/prometheus.yml'), 'utf8'),
    ) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const job = prometheus.scrape_configs.find((c) =>
      c.static_configs.some((s) => s.targets.includes(`alert-publisher:${config.server.port}`)),
    );
    assert.ok(job !== undefined);
    assert.match(job.job_name, /alert-publisher/);
    assert.ok(mounts('prometheus').has('/etc/prometheus/rules/alert-publisher-rules.yml'));
  });

  it('provisions Grafana with the dashboard', () => {
    const provider = parse(
      readFileSync(
        mountedFile('grafana', '/etc/grafana/provisioning/dashboards/dashboards.yml'),
        'utf8',
      ),
    ) as { providers: { options: { path: string } }[] };
    const path = provider.providers[0]?.options.path ?? '';
    assert.equal(
      mountedFile('grafana', `${path}/alert-publisher.json`),
      join(ROOT, 'deploy', 'grafana', 'alert-publisher.json'),
    );
  });

  describe('amtool', { skip: toolSkip('amtool', 'prometheus-alertmanager') }, () => {
    it('accepts the Alertmanager config', () => {
      const file = mountedFile('alertmanager', '/etc/alertmanager/alertmanager.yml');
      const run = runTool('amtool', ['check-config', file]);
      assert.equal(run.status, 0, run.output);
    });
  });

  describe('promtool', { skip: toolSkip('promtool', 'prometheus') }, () => {
    let root: string;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'ap-prometheus-'));
    });
    after(() => rm(root, { recursive: true, force: true }));

    it('accepts the Prometheus config and the rule files it loads, laid out as mounted', () => {
      for (const [target, file] of mounts('prometheus')) {
        mkdirSync(dirname(join(root, target)), { recursive: true });
        copyFileSync(file, join(root, target));
      }
      const configFile = join(root, 'etc', 'prometheus', 'prometheus.yml');
      const text = readFileSync(configFile, 'utf8').replace(/- \/etc\//g, `- ${root}/etc/`);
      writeFileSync(configFile, text);
      const run = runTool('promtool', ['check', 'config', configFile]);
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, /alert-publisher-rules\.yml[\s\S]*SUCCESS: 12 rules found/);
      assert.match(run.output, /demo-rules\.yml[\s\S]*SUCCESS: 2 rules found/);
    });
  });
});

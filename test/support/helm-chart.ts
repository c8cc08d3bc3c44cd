import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { parse, parseAllDocuments } from 'yaml';

import { Templates } from './go-template.js';

/** A chart rendered as `helm template` would (test/support/go-template.ts): manifests by kind. */
export interface RenderedChart {
  /** Every manifest, in file order. */
  manifests: Manifest[];
  notes: string;
  /** The first manifest of `kind`; fails when there is none. */
  one(kind: string): Manifest;
}

export interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of --values over the chart's values: maps merge, everything else replaces. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(base[key], value);
  return merged;
}

export function chartValues(dir: string): unknown {
  return parse(readFileSync(join(dir, 'values.yaml'), 'utf8'));
}

export function renderChart(
  dir: string,
  overrides: unknown = {},
  release = { Name: 'alert-publisher', Namespace: 'monitoring' },
): RenderedChart {
  const chart = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const templates = new Templates();
  const names = readdirSync(join(dir, 'templates')).sort();
  for (const name of names) templates.add(name, readFileSync(join(dir, 'templates', name), 'utf8'));
  const data = {
    Values: mergeValues(chartValues(dir), overrides),
    Chart: { Name: chart['name'], Version: chart['version'], AppVersion: chart['appVersion'] },
    Release: { ...release, Service: 'Helm' },
    // Helm reads a chart's files, symbolic links followed (files/ links outside the chart).
    Files: { Get: (path: unknown) => readFileSync(join(dir, String(path)), 'utf8') },
  };
  const manifests: Manifest[] = [];
  let notes = '';
  for (const name of names) {
    if (name.startsWith('_')) continue;
    const text = templates.render(name, data);
    if (name === 'NOTES.txt') {
      notes = text;
      continue;
    }
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0)
        throw new Error(
          `${name} renders invalid YAML: ${document.errors[0]?.message ?? ''}\n${text}`,
        );
      const manifest: unknown = document.toJS();
      if (manifest === null || manifest === undefined) continue;
      if (!isRecord(manifest) || typeof manifest['kind'] !== 'string')
        throw new Error(`${name} renders something without a kind:\n${text}`);
      manifests.push(manifest as Manifest);
    }
  }
  return {
    manifests,
    notes,
    one(kind) {
      const found = manifests.find((m) => m.kind === kind);
      if (found === undefined) throw new Error(`no ${kind} rendered`);
      return found;
    },
  };
}

import { performance } from 'node:perf_hooks';

import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

type Labels<T extends string> = Parameters<Histogram<T>['zero']>[0];
type Exported<T extends string> = Awaited<ReturnType<Histogram<T>['get']>>;
type ExportedValue<T extends string> = Exported<T>['values'][number];

export interface BucketHistogramConfig<T extends string> {
  name: string;
  help: string;
  labelNames: readonly T[];
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}

/**
 * One labelled series: a count per bucket, the sum and the count, in plain numbers.
 * `observe` does no label work: a prom-client child validates and hashes its labels and
 * converts the bucket bound to a property name on every call (~4 000 instructions measured,
 * a tenth of an engine job's bookkeeping).
 */
export class HistogramSeries {
  /** Observations per bucket, not cumulative; the last cell counts those above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string | number>>,
    private readonly bounds: readonly number[],
    private readonly owner: { firstObserved(series: HistogramSeries): void },
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let bucket = 0;
    while (bucket < this.bounds.length && value > (this.bounds[bucket] ?? Infinity)) bucket += 1;
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
    if (this.count === 1) this.owner.firstObserved(this);
  }

  /** prom-client's API (wall time); the engine observes durations from its own clock. */
  startTimer(): () => number {
    const started = performance.now();
    return () => {
      const seconds = (performance.now() - started) / 1000;
      this.observe(seconds);
      return seconds;
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A prom-client histogram (same registry, same exposition, same API) whose labelled series are
 * HistogramSeries, so that a child from `labels()` observes without label work. prom-client
 * offers no way to add counts to its own histogram in bulk, hence a metric of our own rather
 * than buffered observations. A series is exposed from its first observation (or `zero`) on,
 * in that order, as prom-client does. Exemplars are not supported (none is enabled here).
 */
export class BucketHistogram<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly T[];
  private readonly bounds: readonly number[];
  private readonly byKey = new Map<string, HistogramSeries>();
  /** Series exposed, in the order they were first observed. */
  private shown: HistogramSeries[] = [];
  /** An empty prom-client histogram: the exported header with prom-client's own typing. */
  private readonly header: Histogram<T>;

  constructor(config: BucketHistogramConfig<T>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = config.buckets;
    this.header = new Histogram<T>({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      buckets: [...config.buckets],
      registers: [],
    });
    for (const registry of config.registers) registry.registerMetric(this);
  }

  labels(...args: [Labels<T>] | string[]): HistogramSeries {
    return this.series(this.labelsOf(args));
  }

  observe(labelsOrValue: Labels<T> | number, value?: number): void {
    if (typeof labelsOrValue === 'number') this.series({}).observe(labelsOrValue);
    else this.series(labelsOrValue).observe(value ?? Number.NaN);
  }

  startTimer(labels: Labels<T> = {}): (endLabels?: Labels<T>) => number {
    const started = performance.now();
    return (endLabels = {}) => {
      const seconds = (performance.now() - started) / 1000;
      this.series({ ...labels, ...endLabels }).observe(seconds);
      return seconds;
    };
  }

  zero(labels: Labels<T>): void {
    const series = this.series(labels);
    series.reset();
    if (!this.shown.includes(series)) this.shown.push(series);
  }

  remove(...args: [Labels<T>] | string[]): void {
    const labels = this.labelsOf(args);
    const series = this.byKey.get(this.keyOf(labels));
    if (series === undefined) return;
    series.reset();
    this.shown = this.shown.filter((s) => s !== series);
  }

  reset(): void {
    for (const series of this.byKey.values()) series.reset();
    this.shown = [];
  }

  async get(): Promise<Exported<T>> {
    const header = await this.header.get();
    const values: Array<ExportedValue<T>> = [];
    for (const series of this.shown) {
      for (const { value, metricName, exemplar, labels, sharedLabels } of this.rows(series)) {
        const splayed: Labels<T> = {};
        Object.assign(splayed, labels, sharedLabels);
        const row = { value, metricName, exemplar, labels: splayed };
        values.push(row);
      }
    }
    return { ...header, values };
  }

  /** What the registry reads for the text exposition (as prom-client's own histogram). */
  getForPromString(): Promise<Omit<Exported<T>, 'values'> & { values: unknown[] }> {
    return this.header.get().then((header) => ({
      ...header,
      values: this.shown.flatMap((series) => this.rows(series)),
    }));
  }

  /** Cumulative buckets, +Inf, sum and count of one series, shaped as prom-client shapes them. */
  private rows(series: HistogramSeries): Array<{
    labels: Record<string, string | number>;
    sharedLabels: Readonly<Record<string, string | number>>;
    value: number;
    metricName: string;
    exemplar: null | undefined;
  }> {
    const bucketName = `${this.name}_bucket`;
    const shared = series.labels;
    let cumulative = 0;
    const rows = this.bounds.map((bound, index) => {
      cumulative += series.counts[index] ?? 0;
      return {
        labels: { le: bound },
        sharedLabels: shared,
        value: cumulative,
        metricName: bucketName,
        exemplar: null,
      };
    });
    return [
      ...rows,
      {
        labels: { le: '+Inf' },
        sharedLabels: shared,
        value: series.count,
        metricName: bucketName,
        exemplar: null,
      },
      {
        labels: {},
        sharedLabels: shared,
        value: series.sum,
        metricName: `${this.name}_sum`,
        exemplar: undefined,
      },
      {
        labels: {},
        sharedLabels: shared,
        value: series.count,
        metricName: `${this.name}_count`,
        exemplar: undefined,
      },
    ];
  }

  /** Called by a series at its first observation (since a reset): from then on it is exposed. */
  firstObserved(series: HistogramSeries): void {
    if (!this.shown.includes(series)) this.shown.push(series);
  }

  private series(labels: Labels<T>): HistogramSeries {
    const key = this.keyOf(labels);
    let series = this.byKey.get(key);
    if (series === undefined) {
      const own: Record<string, string | number> = {};
      for (const name of Object.keys(labels)) {
        const value: unknown = Reflect.get(labels, name);
        if (typeof value === 'string' || typeof value === 'number') own[name] = value;
      }
      series = new HistogramSeries(own, this.bounds, this);
      this.byKey.set(key, series);
    }
    return series;
  }

  private labelsOf(args: [Labels<T>] | string[]): Labels<T> {
    const [first] = args;
    if (typeof first === 'object') return first;
    const labels: Labels<T> = {};
    this.labelNames.forEach((name, index) => {
      const value = args[index];
      if (typeof value === 'string') labels[name] = value;
    });
    return labels;
  }

  /** The given labels as `name:value,` in label-name order; throws on a label it does not have. */
  private keyOf(labels: Labels<T>): string {
    const names: readonly string[] = this.labelNames;
    for (const name of Object.keys(labels)) {
      if (!names.includes(name)) {
        throw new Error(`Added label "${name}" is not included in initial labelset`);
      }
    }
    let key = '';
    for (const name of this.labelNames) {
      const value = labels[name];
      if (value !== undefined) key += `${name}:${value},`;
    }
    return key;
  }
}

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests. Written here because
 * the npm parser we tried (parse-prometheus-text-format 1.1.1, unmaintained since 2019) merges the
 * series of a labelled histogram into one and drops their labels. Anything outside the format
 * throws with the line number: names and label names by the format's grammar, escaped label
 * values, float values (`+Inf`, `-Inf`, `NaN`), optional integer timestamps, `# TYPE` before its
 * samples and at most once, sample names matching their family (`_bucket`/`_sum`/`_count` for
 * histograms, `_sum`/`_count` for summaries), no series twice, histogram buckets cumulative with
 * a `+Inf` bucket equal to `_count`.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Series {
  labels: Record<string, string>;
  value: number;
}

export interface HistogramSeries {
  labels: Record<string, string>;
  /** upper bound (`le`) → cumulative count, in the order given */
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  /** Counters, gauges, untyped, and summaries' quantile/sum/count samples. */
  samples: (Series & { name: string })[];
  /** Histograms: one entry per label set (without `le`). */
  histograms: HistogramSeries[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, where: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s))
    throw new Error(`${where}: bad value ${s}`);
  return Number(s);
}

/** `{a="x",b="y\"z"}` from position `i` (at `{`); returns labels and the position after `}`. */
function parseLabels(line: string, i: number, where: string) {
  const labels: Record<string, string> = {};
  i++;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without =`);
    const name = line.slice(i, eq).trim();
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name ${name}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    i = eq + 1;
    if (line[i] !== '"') throw new Error(`${where}: label value of ${name} not quoted`);
    let value = '';
    for (i++; ; i++) {
      const c = line[i];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[++i];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new Error(`${where}: bad escape \\${n ?? ''}`);
      } else value += c;
    }
    labels[name] = value;
    i++;
    while (line[i] === ' ') i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected , or } after label ${name}`);
  }
}

const keyOf = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  const histos = new Map<string, Map<string, Partial<HistogramSeries>>>();
  const familyFor = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: '', type: 'untyped', samples: [], histograms: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('the exposition must end with a newline');
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      const f = familyFor(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (f.samples.length || histos.has(name))
          throw new Error(`${where}: TYPE of ${name} after its samples`);
        if ((f as { typed?: boolean }).typed) throw new Error(`${where}: TYPE of ${name} twice`);
        (f as { typed?: boolean }).typed = true;
        f.type = rest as MetricType;
      } else f.help = rest;
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: no value`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, where));
    const parts = line.slice(i).trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '')
      throw new Error(`${where}: expected a value and an optional timestamp`);
    const value = parseValue(parts[0], where);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))
      throw new Error(`${where}: bad timestamp ${parts[1]}`);
    const seriesKey = `${name}${keyOf(labels)}`;
    if (seen.has(seriesKey)) throw new Error(`${where}: series ${seriesKey} twice`);
    seen.add(seriesKey);

    const base = name.replace(/_(bucket|sum|count)$/, '');
    const fam = families.get(base);
    if (fam?.type === 'histogram' && base !== name) {
      const suffix = name.slice(base.length + 1);
      const { le, ...rest } = labels;
      if (suffix === 'bucket' && le === undefined) throw new Error(`${where}: bucket without le`);
      if (suffix !== 'bucket' && le !== undefined) throw new Error(`${where}: le on _${suffix}`);
      const byKey = histos.get(base) ?? new Map<string, Partial<HistogramSeries>>();
      histos.set(base, byKey);
      const h: Partial<HistogramSeries> = byKey.get(keyOf(rest)) ?? {
        labels: rest,
        buckets: new Map<number, number>(),
      };
      byKey.set(keyOf(rest), h);
      if (suffix === 'bucket') h.buckets!.set(parseValue(le, where), value);
      else if (suffix === 'sum') h.sum = value;
      else h.count = value;
      return;
    }
    if (fam?.type === 'summary' && (name === `${base}_sum` || name === `${base}_count`)) {
      fam.samples.push({ name, labels, value });
      return;
    }
    const f = families.get(name);
    if (!f) throw new Error(`${where}: sample ${name} without HELP or TYPE`);
    if (f.type === 'histogram') throw new Error(`${where}: bare sample of histogram ${name}`);
    if (f.type === 'summary' && labels.quantile === undefined)
      throw new Error(`${where}: summary sample without quantile`);
    f.samples.push({ name, labels, value });
  });
  for (const [name, byKey] of histos) {
    const f = families.get(name)!;
    for (const h of byKey.values()) {
      const where = `histogram ${name}${keyOf(h.labels!)}`;
      if (h.sum === undefined || h.count === undefined)
        throw new Error(`${where}: missing _sum or _count`);
      const bounds = [...h.buckets!.keys()];
      if (bounds[bounds.length - 1] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
      let prevBound = -Infinity;
      let prevCount = 0;
      for (const [bound, count] of h.buckets!) {
        if (bound <= prevBound) throw new Error(`${where}: buckets not increasing`);
        if (count < prevCount) throw new Error(`${where}: bucket counts not cumulative`);
        prevBound = bound;
        prevCount = count;
      }
      if (h.buckets!.get(Infinity) !== h.count)
        throw new Error(`${where}: +Inf bucket differs from _count`);
      f.histograms.push(h as HistogramSeries);
    }
  }
  return families;
}

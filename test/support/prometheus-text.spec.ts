import { Counter, Histogram, Registry } from 'prom-client';
import { parsePrometheusText } from './prometheus-text';

/** The reader the operations e2e trusts: it must read real expositions and refuse broken ones. */
describe('parsePrometheusText', () => {
  it("reads prom-client's exposition: labelled histograms per label set, counters, escapes", async () => {
    const registry = new Registry();
    const h = new Histogram({
      name: 'req_seconds',
      help: 'latency',
      labelNames: ['route', 'status'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    h.observe({ route: '/a/:id', status: '200' }, 0.05);
    h.observe({ route: '/a/:id', status: '200' }, 0.5);
    h.observe({ route: '/b', status: '404' }, 3);
    const c = new Counter({
      name: 'things_total',
      help: 'things',
      labelNames: ['path'],
      registers: [registry],
    });
    c.inc({ path: 'C:\\DIR\\"x"\nnext' }, 2);
    const m = parsePrometheusText(await registry.metrics());
    const req = m.get('req_seconds');
    expect(req?.type).toBe('histogram');
    expect(req?.help).toBe('latency');
    const a = req?.histograms.find((x) => x.labels.route === '/a/:id');
    expect(a).toMatchObject({ labels: { route: '/a/:id', status: '200' }, count: 2 });
    expect([...(a?.buckets ?? [])]).toEqual([
      [0.1, 1],
      [1, 2],
      [Infinity, 2],
    ]);
    expect(req?.histograms.find((x) => x.labels.route === '/b')?.count).toBe(1);
    expect(m.get('things_total')?.samples).toEqual([
      { name: 'things_total', labels: { path: 'C:\\DIR\\"x"\nnext' }, value: 2 },
    ]);
  });

  it.each([
    ['a sample without HELP or TYPE', 'x 1\n'],
    ['a bad value', '# TYPE x gauge\nx one\n'],
    ['an unquoted label', '# TYPE x gauge\nx{a=b} 1\n'],
    ['a bad escape', '# TYPE x gauge\nx{a="\\t"} 1\n'],
    ['the same series twice', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['TYPE after samples', '# HELP x h\nx 1\n# TYPE x gauge\n'],
    [
      'buckets that are not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="+Inf"} 4\nh_sum 1\nh_count 4\n',
    ],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    [
      '+Inf differing from _count',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
    ],
    ['no final newline', '# TYPE x gauge\nx 1'],
    ['a bad metric name', '# TYPE 1x gauge\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});

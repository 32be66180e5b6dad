// SVG chart of one benchmark: throughput of every system per workload,
// relative to fs-promises (or, where fs-promises has no such op, to c-liburing).
import * as vega from 'vega';
import * as vl from 'vega-lite';

export async function renderChart(report) {
  const values = [];
  const workloads = [...new Set(report.results.map((r) => r.workload))];
  for (const workload of workloads) {
    const rows = report.results.filter((r) => r.workload === workload);
    const base = ['fs-promises', 'sonic-boom', 'node-net', 'c-liburing']
      .map((name) => rows.find((r) => r.system === name))
      .find(Boolean);
    if (!base) continue;
    const label = `${workload} (vs ${base.system})`;
    for (const r of rows) {
      values.push({ workload: label, system: r.system, ratio: r.opsPerSec / base.opsPerSec });
    }
  }
  // Independent y scales per facet are intended (each workload lists its own
  // systems); vega-lite's warning about it is noise here.
  const quiet = {
    level: () => quiet,
    error: () => quiet,
    warn: () => quiet,
    info: () => quiet,
    debug: () => quiet,
  };
  const spec = vl.compile(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: {
        text: 'Throughput relative to a Node peer (log scale; higher is better)',
        subtitle: `node ${report.node}, kernel ${report.kernel}, ${report.cpus} CPUs, ${report.date}`,
      },
      data: { values },
      facet: {
        row: {
          field: 'workload',
          type: 'nominal',
          title: null,
          header: {
            labelAngle: 0,
            labelAlign: 'left',
            labelAnchor: 'start',
            labelFontWeight: 'bold',
          },
        },
      },
      spec: {
        width: 520,
        layer: [
          {
            mark: 'bar',
            encoding: {
              y: { field: 'system', type: 'nominal', title: null, sort: null },
              x: {
                field: 'ratio',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'x fs-promises',
              },
              color: { field: 'system', type: 'nominal', legend: null },
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 3 },
            encoding: {
              y: { field: 'system', type: 'nominal', sort: null },
              x: { field: 'ratio', type: 'quantitative', scale: { type: 'log' } },
              text: { field: 'ratio', type: 'quantitative', format: '.2f' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
      config: { background: 'white' },
    },
    { logger: quiet },
  ).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  return view.toSVG();
}

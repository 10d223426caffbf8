import uPlot from "uplot";
import type { Report } from "./answers";
import { formatCount } from "./format";

const SERIES = [
  { key: "visitors", label: "Visitors", color: "--series-visitors" },
  { key: "pageviews", label: "Pageviews", color: "--series-pageviews" },
  { key: "micro", label: "Micro conversions", color: "--series-micro" },
  { key: "macro", label: "Macro conversions", color: "--series-macro" },
] as const;

/** Seconds since the epoch of a timeseries point: a local date as UTC midnight, a local hour as its instant. */
const pointTime = (t: string): number => Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t) / 1_000;

/**
 * The time chart (uPlot): visitors, pageviews, micro and macro conversions by hour or day, in the
 * site's time zone; colours from the theme's custom properties, redrawn when the theme or the
 * width changes. Returns the element and a function that frees it.
 */
export function timeChart(report: Report): { element: HTMLElement; dispose: () => void } {
  const element = document.createElement("div");
  element.className = "chart";
  const hourly = report.range.interval === "hour";
  const data: uPlot.AlignedData = [
    report.timeseries.map((point) => pointTime(point.t)),
    ...SERIES.map((series) => report.timeseries.map((point) => point[series.key])),
  ];
  let plot: uPlot | null = null;

  const draw = () => {
    plot?.destroy();
    const style = getComputedStyle(document.documentElement);
    const color = (name: string) => style.getPropertyValue(name).trim() || "#888";
    const axis = { stroke: color("--muted"), grid: { stroke: color("--grid"), width: 1 }, ticks: { stroke: color("--grid"), width: 1 } };
    plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: 260,
        // Dates are local to the site: a day is UTC midnight of its date, an hour is shown in the site's zone.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1_000), hourly ? report.range.timezone : "UTC"),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max * 1.1)] } },
        axes: [axis, { ...axis, size: 50, values: (_u, ticks) => ticks.map((tick) => formatCount(tick)) }],
        series: [
          { label: hourly ? "Hour" : "Day" },
          ...SERIES.map((series) => ({
            label: series.label,
            stroke: color(series.color),
            width: 2,
            points: { show: report.timeseries.length <= 62 },
            value: (_u: uPlot, value: number | null) => (value === null ? "–" : formatCount(value)),
          })),
        ],
        cursor: { drag: { x: false, y: false } },
      },
      data,
      element,
    );
  };

  const resize = new ResizeObserver(() => {
    if (plot !== null && Math.abs(plot.width - element.clientWidth) > 4)
      plot.setSize({ width: Math.max(element.clientWidth, 280), height: 260 });
  });
  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const onScheme = () => draw();
  requestAnimationFrame(() => {
    if (!element.isConnected) return;
    draw();
    resize.observe(element);
  });
  scheme.addEventListener("change", onScheme);
  return {
    element,
    dispose: () => {
      resize.disconnect();
      scheme.removeEventListener("change", onScheme);
      plot?.destroy();
    },
  };
}

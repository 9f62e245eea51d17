import type { Schema } from "@/lib/api/types";
import { formatMoney } from "@/lib/format/money";

/**
 * Revenue per day as an SVG bar chart (no chart library: ADR 0044). The chart is an image with a
 * text summary; the same figures are in a table for screen readers and keyboard users.
 */
export function SalesChart({ series }: { series: Array<Schema<"SalesPoint">> }) {
  const width = 640;
  const height = 200;
  const pad = 24;
  const max = Math.max(1, ...series.map((p) => p.revenue.amount));
  const step = (width - pad * 2) / Math.max(1, series.length);
  const barWidth = Math.max(4, step * 0.7);
  const total = series.reduce((sum, p) => sum + p.revenue.amount, 0);
  const currency = series[0]?.revenue.currency ?? "EUR";
  const summary = `Revenue per day over the last ${series.length} days: ${formatMoney({ amount: total, currency })} in total, highest day ${formatMoney({ amount: max === 1 && total === 0 ? 0 : max, currency })}.`;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} className="h-auto w-full">
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="#9ca3af" strokeWidth="1" />
        {series.map((point, i) => {
          const h = ((height - pad * 2) * point.revenue.amount) / max;
          const x = pad + i * step + (step - barWidth) / 2;
          return (
            <g key={point.date}>
              <rect x={x} y={height - pad - h} width={barWidth} height={Math.max(h, 0)} fill="#1d4ed8" rx="2">
                <title>{`${point.date}: ${formatMoney(point.revenue)}, ${point.orders} order(s)`}</title>
              </rect>
              {i % Math.ceil(series.length / 7) === 0 ? (
                <text x={x + barWidth / 2} y={height - 6} fontSize="10" textAnchor="middle" fill="#4b5563">
                  {point.date.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-2 text-sm text-muted">{summary}</figcaption>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer font-medium">Figures by day</summary>
        <table className="mt-2 w-full text-left">
          <caption className="sr-only">Orders and revenue per day</caption>
          <thead>
            <tr>
              <th scope="col" className="py-1">Day</th>
              <th scope="col" className="py-1">Orders</th>
              <th scope="col" className="py-1">Revenue</th>
            </tr>
          </thead>
          <tbody>
            {series.map((p) => (
              <tr key={p.date}>
                <td className="py-1">{p.date}</td>
                <td className="py-1">{p.orders}</td>
                <td className="py-1">{formatMoney(p.revenue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

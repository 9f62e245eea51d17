import type { Metadata } from "next";
import { AutoRefresh } from "@/components/shipping/auto-refresh";
import { TrackingLookup } from "@/components/shipping/tracking-lookup";
import { TrackingTimeline } from "@/components/shipping/tracking-timeline";
import { asProblem, bearerApi } from "@/lib/api/client";
import { NOT_A_NUMBER, formatDate, isFinal, normaliseTrackingNumber, statusLabel } from "@/lib/shipping/tracking";

export const metadata: Metadata = { title: "Parcel tracking", robots: { index: false, follow: false } };
export const dynamic = "force-dynamic";

/** The lookup form again, with what was looked up and why nothing was found: the page stays usable. */
function LookupAgain({ value, error }: { value: string; error: string }) {
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Track a parcel</h1>
        <p className="text-muted">Enter the tracking number from your shipping email.</p>
      </div>
      <TrackingLookup defaultValue={value} error={error} />
    </div>
  );
}

/** Public tracking: status, estimate and events of one parcel; nothing about who it is for. */
export default async function TrackingPage({ params }: PageProps<"/track/[trackingNumber]">) {
  const { trackingNumber } = await params;
  const typed = decodeURIComponent(trackingNumber);
  const number = normaliseTrackingNumber(typed);
  if (!number) return <LookupAgain value={typed.slice(0, 80)} error={NOT_A_NUMBER} />;
  // bearerApi passes the shopper's address on: the API rate-limits look-ups per shopper
  const { data, error, response } = await bearerApi(null).GET("/api/v1/tracking/{tracking_number}", {
    params: { path: { tracking_number: number } },
  });
  if (!data) {
    if (response.status === 404) return <LookupAgain value={typed.slice(0, 80)} error="We could not find a parcel with that number." />;
    const busy = response.status === 429;
    return (
      <div className="mx-auto max-w-xl space-y-6">
        <h1 className="text-2xl font-bold">Parcel {number}</h1>
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3">
          {busy
            ? "Too many look-ups from your connection. Please wait a minute and try again."
            : (asProblem(error, response.status).detail ?? "Tracking is unavailable right now.")}
        </p>
        <TrackingLookup defaultValue={number} />
      </div>
    );
  }
  const final = isFinal(data.status);
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <AutoRefresh active={!final} />
      <div>
        <h1 className="text-2xl font-bold">Parcel {data.tracking_number}</h1>
        <p className="text-muted">
          {data.carrier} · {data.service}
        </p>
      </div>
      <section aria-labelledby="status-heading" className="rounded-lg border border-gray-200 p-4">
        <h2 id="status-heading" className="text-sm font-medium text-muted">
          Status
        </h2>
        <p role="status" aria-live="polite" className="text-xl font-semibold" data-testid="tracking-status">
          {statusLabel(data.status)}
        </p>
        {data.estimated_delivery && !final ? (
          <p className="mt-1 text-sm">Expected: {formatDate(data.estimated_delivery)}</p>
        ) : null}
      </section>
      <section aria-labelledby="events-heading">
        <h2 id="events-heading" className="mb-3 text-lg font-semibold">
          Tracking history
        </h2>
        <TrackingTimeline events={data.events} label={`Tracking history of parcel ${data.tracking_number}`} />
      </section>
      <details className="text-sm">
        <summary className="cursor-pointer font-medium">Track another parcel</summary>
        <div className="mt-3">
          <TrackingLookup />
        </div>
      </details>
    </div>
  );
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { TrackingLookup } from "@/components/shipping/tracking-lookup";
import { NOT_A_NUMBER, normaliseTrackingNumber } from "@/lib/shipping/tracking";

export const metadata: Metadata = { title: "Track a parcel" };

/** `/track?number=…` goes to the parcel's page; without a number, the lookup form. */
export default async function TrackPage({ searchParams }: PageProps<"/track">) {
  const query = await searchParams;
  const raw = typeof query.number === "string" ? query.number : "";
  let error: string | null = null;
  if (raw) {
    const number = normaliseTrackingNumber(raw);
    if (number) redirect(`/track/${encodeURIComponent(number)}`);
    error = NOT_A_NUMBER;
  }
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Track a parcel</h1>
        <p className="text-muted">Enter the tracking number from your shipping email.</p>
      </div>
      <TrackingLookup defaultValue={raw} error={error} />
    </div>
  );
}

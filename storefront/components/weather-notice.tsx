import type { WeatherNoticeData } from "@/lib/integrations/notice";

/**
 * "Weather may delay delivery": a polite live region (announced when a notice appears), empty
 * when there is nothing to say. For the checkout and the shipment tracking page.
 */
export function WeatherNotice({ notice, className = "" }: { notice: WeatherNoticeData | null; className?: string }) {
  return (
    <div role="status" aria-live="polite" aria-label="Delivery weather" className={className}>
      {notice ? (
        <div className="flex gap-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          <svg aria-hidden="true" viewBox="0 0 24 24" className="mt-0.5 h-5 w-5 shrink-0 fill-none stroke-current" strokeWidth="2">
            <path d="M12 3 2 21h20L12 3Z" strokeLinejoin="round" />
            <path d="M12 10v5M12 18v.5" strokeLinecap="round" />
          </svg>
          <div>
            <p className="font-semibold">Weather may delay delivery</p>
            <p>{notice.message}</p>
          </div>
        </div>
      ) : null}
    </div>
  );
}

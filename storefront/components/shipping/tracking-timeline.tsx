import { formatEventTime, statusLabel } from "@/lib/shipping/tracking";

export interface TimelineEvent {
  status: string;
  message: string;
  location?: string | null;
  occurred_at: string;
}

/** A shipment's tracking events, newest first, as an ordered list with a visible rail. */
export function TrackingTimeline({ events, label }: { events: TimelineEvent[]; label: string }) {
  if (events.length === 0) return <p className="text-sm text-muted">No tracking events yet.</p>;
  const newestFirst = [...events].reverse();
  return (
    <ol aria-label={label} className="relative ml-2 border-l-2 border-gray-200">
      {newestFirst.map((event, index) => {
        const tone =
          event.status === "exception"
            ? "bg-red-600"
            : event.status === "delivered"
              ? "bg-green-600"
              : index === 0
                ? "bg-brand-700"
                : "bg-gray-400";
        return (
          <li key={`${event.occurred_at}-${index}`} className="mb-4 ml-4 last:mb-0">
            <span aria-hidden="true" className={`absolute -left-[7px] mt-1.5 h-3 w-3 rounded-full ${tone}`} />
            <p className="text-sm font-semibold">{statusLabel(event.status)}</p>
            <p className="text-sm">{event.message}</p>
            <p className="text-xs text-muted">
              <time dateTime={event.occurred_at}>{formatEventTime(event.occurred_at)}</time>
              {event.location ? ` · ${event.location}` : null}
            </p>
          </li>
        );
      })}
    </ol>
  );
}

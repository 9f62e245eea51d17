"use client";
import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** Re-renders the (server) page every `seconds` while a parcel is still moving. */
export function AutoRefresh({ active, seconds = 20 }: { active: boolean; seconds?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), seconds * 1000);
    return () => clearInterval(timer);
  }, [active, seconds, router]);
  return null;
}

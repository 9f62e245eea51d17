"use client";
import { useEffect } from "react";
import { recordRecentlyViewed } from "@/lib/recently-viewed";

/** Renders nothing; remembers that this product was viewed (for the "Recently viewed" strip). */
export function RecordView({ slug }: { slug: string }) {
  useEffect(() => {
    recordRecentlyViewed(slug);
  }, [slug]);
  return null;
}

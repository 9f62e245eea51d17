import type { Metadata } from "next";

/** The metadata of every "Page not found" (the layout's template makes it "Page not found · Mercato"). */
export const notFoundMetadata: Metadata = { title: "Page not found", robots: { index: false } };

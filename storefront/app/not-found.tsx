import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFoundMetadata } from "@/lib/metadata/not-found";

export const metadata: Metadata = notFoundMetadata;

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-3xl font-bold">Page not found</h1>
      <p className="mt-3 text-muted">We could not find that page. It may have moved or sold out for good.</p>
      <p className="mt-6">
        <Link href="/" className="font-medium text-brand-700 underline">
          Back to the shop
        </Link>
      </p>
    </div>
  );
}

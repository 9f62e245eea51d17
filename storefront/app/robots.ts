import type { MetadataRoute } from "next";
import { storefrontUrl } from "@/lib/config";

export const dynamic = "force-dynamic"; // the URL comes from the runtime environment

export default function robots(): MetadataRoute.Robots {
  return {
    rules: [{ userAgent: "*", allow: "/", disallow: ["/account", "/cart", "/checkout", "/orders", "/api/"] }],
    sitemap: `${storefrontUrl()}/sitemap.xml`,
  };
}

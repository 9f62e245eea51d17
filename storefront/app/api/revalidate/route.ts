/**
 * POST /api/revalidate {"tags": ["product:slug", "products", …]} signed with
 * `Mercato-Signature` (lib/security/signature.ts, secret MERCATO_REVALIDATE_SECRET). Expires the
 * tagged catalog data at once so an admin edit shows on the next page load. Not configured → 503.
 */
import { revalidateTag } from "next/cache";
import { problemResponse } from "@/lib/api/problem-response";
import { SIGNATURE_HEADER, verifySignature } from "@/lib/security/signature";

export const dynamic = "force-dynamic";
const TAG = /^[A-Za-z0-9:_.-]{1,200}$/;
const MAX_TAGS = 200;

export async function POST(request: Request): Promise<Response> {
  const secret = process.env.MERCATO_REVALIDATE_SECRET;
  if (!secret) return problemResponse(503, "revalidation_disabled", "Revalidation is not configured (MERCATO_REVALIDATE_SECRET).");
  const raw = await request.text();
  if (raw.length > 64 * 1024) return problemResponse(413, "payload_too_large", "The body is too large.");
  if (!verifySignature(request.headers.get(SIGNATURE_HEADER), raw, secret)) {
    return problemResponse(401, "invalid_signature", "Missing or invalid Mercato-Signature.");
  }
  let tags: unknown;
  try {
    tags = (JSON.parse(raw) as { tags?: unknown }).tags;
  } catch {
    return problemResponse(400, "invalid_json", "The body must be JSON.");
  }
  if (!Array.isArray(tags) || tags.length === 0 || tags.length > MAX_TAGS || !tags.every((t) => typeof t === "string" && TAG.test(t))) {
    return problemResponse(422, "validation_error", `tags must be 1–${MAX_TAGS} tag strings.`);
  }
  for (const tag of new Set(tags as string[])) revalidateTag(tag, { expire: 0 });
  return Response.json({ revalidated: [...new Set(tags)] }, { headers: { "Cache-Control": "no-store" } });
}
